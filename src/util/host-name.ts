import { hostname as osHostname } from 'node:os';

/**
 * This host's name as alerts (observer.hostname) and syslog HOSTNAME carry it: os.hostname() made
 * printable ASCII as RFC 5424 allows, at most 255 characters. config/sensor-identity.ts says who the
 * sensor is with it; outputs use it as their default syslog host name.
 */
export function observerHostname(): string {
  return osHostname().replace(/[^\x21-\x7e]/g, '_').slice(0, 255) || 'localhost';
}
