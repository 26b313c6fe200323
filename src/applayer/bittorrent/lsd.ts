/**
 * Local Service Discovery (BEP 14): an HTTP-like announcement, one per UDP datagram, multicast to
 * 239.192.152.143:6771 or [ff15::efc0:988f]:6771:
 *
 *   BT-SEARCH * HTTP/1.1\r\n
 *   Host: <group>:6771\r\n
 *   Port: <the announcer's listen port>\r\n
 *   Infohash: <40 hex digits>\r\n          (one or more)
 *   cookie: <opaque, to recognise one's own announcements>\r\n   (optional)
 *   \r\n\r\n
 *
 * The request line is what claims a flow; an announcement also needs a valid Port and at least one
 * Infohash (40 hex digits, or 64 for a v2 hash).
 */
import { latin1 } from '../../util/bytes.js';
import { boundString } from './text.js';

export const LSD_PREFIX = 'BT-SEARCH * HTTP/1.1';
/** Bytes of a datagram read (an announcement with 16 hashes is under 1 KiB). */
const MAX_READ = 4096;
const MAX_HASHES = 16;

export interface LsdAnnouncement {
  host: string;
  port: number;
  infoHashes: string[];
  cookie?: string;
}

export function isLsd(b: Uint8Array, off: number, len: number): boolean {
  if (len < LSD_PREFIX.length + 2) return false;
  for (let i = 0; i < LSD_PREFIX.length; i++) if (b[off + i] !== LSD_PREFIX.charCodeAt(i)) return false;
  const c = b[off + LSD_PREFIX.length];
  return c === 0x0d || c === 0x0a;
}

export function parseLsd(b: Uint8Array, off: number, len: number): LsdAnnouncement | undefined {
  if (!isLsd(b, off, len)) return undefined;
  const lines = latin1(b, off, Math.min(len, MAX_READ)).split('\n').map((l) => l.replace(/\r$/, ''));
  const out: LsdAnnouncement = { host: '', port: -1, infoHashes: [] };
  for (const line of lines.slice(1)) {
    if (line === '') break;
    const c = line.indexOf(':');
    if (c <= 0) return undefined;
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    if (name === 'host') out.host = boundString(value.replace(/[^\x20-\x7e]/g, '?'), 64);
    else if (name === 'port') {
      if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) return undefined;
      out.port = Number(value);
    } else if (name === 'infohash') {
      if (!/^([0-9a-fA-F]{40}|[0-9a-fA-F]{64})$/.test(value)) return undefined;
      if (out.infoHashes.length < MAX_HASHES) out.infoHashes.push(value.toLowerCase());
    } else if (name === 'cookie') {
      out.cookie = boundString(value.replace(/[^\x21-\x7e]/g, '?'), 64);
    }
  }
  return out.port > 0 && out.infoHashes.length > 0 ? out : undefined;
}
