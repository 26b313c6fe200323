import ipaddr from 'ipaddr.js';

/** A listen address for the metrics endpoint. */
export interface ListenAddress {
  host: string;
  port: number;
  /** True for 127.0.0.0/8 and ::1: only local processes can reach it. */
  loopback: boolean;
}

/**
 * Parse `127.0.0.1:9464`, `[::1]:9464` or a bare port (`9464`, meaning 127.0.0.1). IP literals only,
 * validated with ipaddr.js: a host name would resolve at start and could silently listen somewhere
 * else. Port 0 asks the kernel for a free port (tests); the log line says which one it got.
 */
export function parseListenAddress(text: string): ListenAddress | string {
  const t = text.trim();
  let host: string;
  let portText: string;
  if (/^\d+$/.test(t)) {
    host = '127.0.0.1';
    portText = t;
  } else if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0 || t[close + 1] !== ':') return `'${t}' is not [IPv6]:port`;
    host = t.slice(1, close);
    portText = t.slice(close + 2);
    if (!ipaddr.IPv6.isValid(host)) return `'${host}' is not an IPv6 address`;
  } else {
    const colon = t.lastIndexOf(':');
    if (colon < 0) return `'${t}' is not address:port (e.g. 127.0.0.1:9464 or [::1]:9464)`;
    host = t.slice(0, colon);
    portText = t.slice(colon + 1);
    if (host.includes(':')) return `'${t}': put an IPv6 address in brackets, e.g. [::1]:9464`;
    if (!ipaddr.IPv4.isValidFourPartDecimal(host)) return `'${host}' is not an IPv4 address (host names are not accepted)`;
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return `'${portText}' is not a port number (0-65535)`;
  const range = ipaddr.parse(host).range();
  return { host, port: Number(portText), loopback: range === 'loopback' };
}

/** host:port as a URL authority (brackets for IPv6). */
export function formatListenAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
