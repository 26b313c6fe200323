/**
 * The spooled record of outputs that deliver an alert under its event.id (Redis streams, NATS
 * Nats-Msg-Id): [u16 id length, big-endian][id][alert JSON]. The id is taken once, when the alert is
 * written, so sending never parses JSON.
 */
export function encodeKeyed(id: string, json: string): Buffer {
  const idBytes = Buffer.from(id, 'utf8');
  if (idBytes.length > 0xffff) throw new RangeError('event id longer than 65535 bytes');
  const body = Buffer.from(json, 'utf8');
  const out = Buffer.allocUnsafe(2 + idBytes.length + body.length);
  out.writeUInt16BE(idBytes.length, 0);
  idBytes.copy(out, 2);
  body.copy(out, 2 + idBytes.length);
  return out;
}

export function decodeKeyed(rec: Buffer): { id: string; json: Buffer } {
  const n = rec.length >= 2 ? rec.readUInt16BE(0) : 0;
  return { id: rec.subarray(2, 2 + n).toString('utf8'), json: rec.subarray(2 + n) };
}
