import { observerHostname } from '../util/host-name.js';
import type { Settings } from './settings.js';

/**
 * Who this sensor is, said the same way everywhere: observer.hostname in every alert and the syslog
 * HOSTNAME (unless --syslog-hostname) are this host's name; observer.name is --sensor-name; and
 * `{sensor}` in a Redis key or NATS subject is the sensor name, or the host name without one. A
 * fleet gives each sensor its own --sensor-name so that alerts from sensors on one host stay apart.
 */
export interface SensorIdentity {
  /** observer.hostname: os.hostname() as RFC 5424 allows it (printable ASCII, at most 255). */
  hostname: string;
  /** observer.name (--sensor-name), when given. */
  name?: string;
}

// observerHostname is in util/ so that outputs (an earlier stage than config/) can default to it too.
export { observerHostname };

export function sensorIdentity(s: Pick<Settings, 'sensorName'>): SensorIdentity {
  return { hostname: observerHostname(), ...(s.sensorName ? { name: s.sensorName } : {}) };
}

/** What `{sensor}` stands for in output templates. */
export function templateSensor(id: SensorIdentity): string {
  return id.name ?? id.hostname;
}

/** A sensor name goes into keys, subjects and file names: letters, digits, '.', '_' and '-', at most 64. */
export function checkSensorName(v: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v) ? undefined : `'${v}' is not a sensor name (1-64 letters, digits, '.', '_' or '-', starting with a letter or digit)`;
}
