/** Small byte builders for parser tests on hand-made (including hostile) input. */

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function cat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const be16 = (v: number): number[] => [(v >>> 8) & 255, v & 255];
export const be24 = (v: number): number[] => [(v >>> 16) & 255, (v >>> 8) & 255, v & 255];
export const be32 = (v: number): number[] => [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];

/** A DNS name in wire form, uncompressed: "www.example.com" -> 3www7example3com0. */
export function dnsName(name: string): number[] {
  const out: number[] = [];
  for (const l of name.split('.').filter(Boolean)) out.push(l.length, ...Buffer.from(l, 'latin1'));
  out.push(0);
  return out;
}

/** A DNS header. */
export function dnsHeader(id: number, flags: number, qd: number, an: number, ns = 0, ar = 0): number[] {
  return [...be16(id), ...be16(flags), ...be16(qd), ...be16(an), ...be16(ns), ...be16(ar)];
}

/** One TLS extension. */
export function ext(type: number, body: number[]): number[] {
  return [...be16(type), ...be16(body.length), ...body];
}

export function sniExt(name: string): number[] {
  const n = [...Buffer.from(name, 'latin1')];
  return ext(0, [...be16(n.length + 3), 0, ...be16(n.length), ...n]);
}

export function alpnExt(protos: string[]): number[] {
  const list = protos.flatMap((p) => [p.length, ...Buffer.from(p, 'latin1')]);
  return ext(16, [...be16(list.length), ...list]);
}

/** A ClientHello body (after the handshake header). */
export function clientHelloBody(o: { version?: number; ciphers?: number[]; exts?: number[][]; sessionId?: number } = {}): number[] {
  const ciphers = (o.ciphers ?? [0x1301, 0x1302, 0xc02f]).flatMap(be16);
  const exts = (o.exts ?? []).flat();
  const sid = new Array(o.sessionId ?? 0).fill(7);
  return [...be16(o.version ?? 0x0303), ...new Array(32).fill(1), sid.length, ...sid, ...be16(ciphers.length), ...ciphers, 1, 0, ...be16(exts.length), ...exts];
}

/** A handshake message (type + 24-bit length + body). */
export function handshake(type: number, body: number[]): number[] {
  return [type, ...be24(body.length), ...body];
}

/** TLS records of one content type carrying `data`, cut into records of at most `max` bytes. */
export function records(type: number, data: number[], max = 16384): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length || i === 0; i += max) {
    const part = data.slice(i, i + max);
    out.push(type, 3, 3, ...be16(part.length), ...part);
    if (data.length === 0) break;
  }
  return out;
}
