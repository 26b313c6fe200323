/**
 * A minimal DER reader (X.690), enough to walk an X.509 certificate to its issuer and subject names.
 * Definite lengths only (DER forbids the indefinite form), at most 4 length octets, single-octet tags
 * (X.509 never needs high tag numbers); every element must fit inside its parent. Reads return
 * false/-1 instead of throwing.
 */
export interface DerElement {
  tag: number;
  /** Offset of the contents and one past their end. */
  start: number;
  end: number;
}

/** Read the element at `off`, which must end by `limit`. */
export function derRead(buf: Uint8Array, off: number, limit: number, out: DerElement): boolean {
  if (limit - off < 2) return false;
  const tag = buf[off];
  if ((tag & 0x1f) === 0x1f) return false;
  let p = off + 1;
  let len = buf[p++];
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || limit - p < n) return false;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++];
  }
  if (len > limit - p) return false;
  out.tag = tag;
  out.start = p;
  out.end = p + len;
  return true;
}

export const DerTag: Readonly<Record<'INTEGER' | 'OID' | 'UTF8_STRING' | 'PRINTABLE_STRING' | 'TELETEX_STRING' | 'IA5_STRING' | 'UNIVERSAL_STRING' | 'BMP_STRING' | 'SEQUENCE' | 'SET' | 'CONTEXT_0', number>> = {
  INTEGER: 0x02,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  IA5_STRING: 0x16,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
  /** [0] EXPLICIT, constructed (X.509 version). */
  CONTEXT_0: 0xa0,
};
