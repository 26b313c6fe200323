import { createHash, randomUUID } from 'node:crypto';

/** torwatch's UUID namespace for name-based (v5) event ids. */
const NAMESPACE = Buffer.from('6f1c2a4e9b3d4f7a8c5e0d2b1a394756', 'hex');

/**
 * Alert ids: unique per alert so receivers can deduplicate (at-least-once delivery). A replay derives
 * them from what the alert is about (RFC 9562 UUIDv5), so replaying the same capture twice gives the
 * same ids and a SIEM keeps one copy; live capture uses random UUIDs.
 */
export function deterministicEventId(name: string): string {
  const h = createHash('sha1').update(NAMESPACE).update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function randomEventId(): string {
  return randomUUID();
}
