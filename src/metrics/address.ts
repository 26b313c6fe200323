import { notAddress, parseAddress } from '../util/ip.js';

/** A listen address for the metrics endpoint. */
export interface ListenAddress {
  host: string;
  port: number;
  /** True for 127.0.0.0/8 and ::1: only local processes can reach it. */
  loopback: boolean;
}

/**
 * Parse `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464` or a bare port (`9464`, meaning 127.0.0.1).
 * Addresses go through util/ip.ts, the parser every option uses. `localhost` is the one name taken:
 * RFC 6761 reserves it for loopback, so it is 127.0.0.1 without asking a resolver. Any other host
 * name is refused: it would resolve at start and could silently listen somewhere else. Port 0 asks the
 * kernel for a free port (tests); the log line says which one it got.
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
    if (parseAddress(host)?.version !== 6) return `${notAddress(host)}: brackets hold an IPv6 address`;
  } else {
    const colon = t.lastIndexOf(':');
    if (colon < 0) return `'${t}' is not address:port (e.g. 127.0.0.1:9464, [::1]:9464 or localhost:9464)`;
    host = t.slice(0, colon);
    portText = t.slice(colon + 1);
    if (host.includes(':')) return `'${t}': put an IPv6 address in brackets, e.g. [::1]:9464`;
    if (host.toLowerCase() === 'localhost') host = '127.0.0.1';
    else if (parseAddress(host)?.version !== 4) {
      return /^[A-Za-z0-9.-]+$/.test(host) && /[A-Za-z]/.test(host)
        ? `'${host}' is a host name: give an IP address (host names other than localhost could resolve to an address you did not mean; 0.0.0.0 listens on every interface)`
        : notAddress(host);
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return `'${portText}' is not a port number (0-65535)`;
  const ip = parseAddress(host)!;
  const loopback = ip.version === 4 ? ip.words[3] >>> 24 === 127 : ip.words[0] === 0 && ip.words[1] === 0 && ip.words[2] === 0 && ip.words[3] === 1;
  return { host, port: Number(portText), loopback };
}

/** host:port as a URL authority (brackets for IPv6). */
export function formatListenAddress(a: { host: string; port: number }): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
