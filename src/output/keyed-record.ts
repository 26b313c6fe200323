/**
 * The spooled record of outputs that deliver an alert under its event.id (Redis streams, NATS
 * Nats-Msg-Id): [u8 id length][id][alert JSON]. The id is taken once, when the alert is written, so
 * sending never parses JSON.
 */
export function encodeKeyed(id: string, json: string): Buffer {
  const idBytes = Buffer.from(id, 'utf8').subarray(0, 255);
  const body = Buffer.from(json, 'utf8');
  const out = Buffer.allocUnsafe(1 + idBytes.length + body.length);
  out[0] = idBytes.length;
  idBytes.copy(out, 1);
  body.copy(out, 1 + idBytes.length);
  return out;
}

export function decodeKeyed(rec: Buffer): { id: string; json: Buffer } {
  const n = rec[0] ?? 0;
  return { id: rec.subarray(1, 1 + n).toString('utf8'), json: rec.subarray(1 + n) };
}
