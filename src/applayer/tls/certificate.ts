import { u24 } from '../../util/bytes.js';
import { derRead, DerTag, type DerElement } from './der.js';

/**
 * The server's certificate (TLS <= 1.2 Certificate message, RFC 5246 7.4.2): the issuer and subject
 * common names of the first (leaf) certificate, read from its DER (RFC 5280 4.1):
 *   Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
 *     signature AlgorithmIdentifier, issuer Name, validity, subject Name, ... }, ... }
 *   Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value DirectoryString }
 * Only the leaf is needed, so it can be parsed before the whole chain has arrived.
 */
export interface CertificateNames {
  subjectCN?: string;
  issuerCN?: string;
}

/** id-at-commonName, 2.5.4.3. */
const CN_OID = [0x55, 0x04, 0x03];

/**
 * The first certificate of a Certificate message body `buf[off, end)` (after the handshake header),
 * if it is complete in the given bytes. Returns null while more bytes are needed, undefined when
 * malformed.
 */
export function firstCertificate(buf: Uint8Array, off: number, end: number): { start: number; end: number } | null | undefined {
  if (end - off < 6) return null;
  const listLen = u24(buf, off);
  const certLen = u24(buf, off + 3);
  if (certLen === 0 || certLen + 3 > listLen) return undefined;
  if (end - (off + 6) < certLen) return null;
  return { start: off + 6, end: off + 6 + certLen };
}

const el: DerElement = { tag: 0, start: 0, end: 0 };

/** Read the element at `off` into `el`; true when it is there and (if given) has tag `want`. */
function read(buf: Uint8Array, off: number, limit: number, want = -1): boolean {
  return derRead(buf, off, limit, el) && (want < 0 || el.tag === want);
}

/** Issuer and subject CNs of one DER certificate; undefined when its structure is broken. */
export function certificateNames(buf: Uint8Array, off: number, end: number): CertificateNames | undefined {
  if (!read(buf, off, end, DerTag.SEQUENCE)) return undefined;
  if (!read(buf, el.start, el.end, DerTag.SEQUENCE)) return undefined;
  const tbsEnd = el.end;
  let p = el.start;
  // Optional [0] version, then serialNumber, signature: skip to the issuer.
  if (!read(buf, p, tbsEnd)) return undefined;
  if (el.tag === DerTag.CONTEXT_0) {
    p = el.end;
    if (!read(buf, p, tbsEnd)) return undefined;
  }
  if (el.tag !== DerTag.INTEGER) return undefined;
  p = el.end;
  if (!read(buf, p, tbsEnd, DerTag.SEQUENCE)) return undefined; // signature
  p = el.end;
  if (!read(buf, p, tbsEnd, DerTag.SEQUENCE)) return undefined; // issuer
  const issuerCN = commonName(buf, el.start, el.end);
  p = el.end;
  if (!read(buf, p, tbsEnd, DerTag.SEQUENCE)) return undefined; // validity
  p = el.end;
  if (!read(buf, p, tbsEnd, DerTag.SEQUENCE)) return undefined; // subject
  const subjectCN = commonName(buf, el.start, el.end);
  if (issuerCN === null || subjectCN === null) return undefined;
  return { issuerCN, subjectCN };
}

/** The last commonName in a Name (the most specific RDN), undefined if none, null if malformed. */
function commonName(buf: Uint8Array, start: number, end: number): string | undefined | null {
  const rdn: DerElement = { tag: 0, start: 0, end: 0 };
  const atv: DerElement = { tag: 0, start: 0, end: 0 };
  const part: DerElement = { tag: 0, start: 0, end: 0 };
  let found: string | undefined;
  for (let p = start; p < end; p = rdn.end) {
    if (!derRead(buf, p, end, rdn) || rdn.tag !== DerTag.SET) return null;
    for (let q = rdn.start; q < rdn.end; q = atv.end) {
      if (!derRead(buf, q, rdn.end, atv) || atv.tag !== DerTag.SEQUENCE) return null;
      if (!derRead(buf, atv.start, atv.end, part) || part.tag !== DerTag.OID) return null;
      const isCN = part.end - part.start === 3 && buf[part.start] === CN_OID[0] && buf[part.start + 1] === CN_OID[1] && buf[part.start + 2] === CN_OID[2];
      if (!derRead(buf, part.end, atv.end, part)) return null;
      if (isCN) found = directoryString(buf, part);
    }
  }
  return found;
}

function directoryString(buf: Uint8Array, e: DerElement): string {
  const bytes = buf.subarray(e.start, e.end);
  switch (e.tag) {
    case DerTag.UTF8_STRING:
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
    case DerTag.BMP_STRING: {
      let s = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
      return s;
    }
    default: {
      let s = '';
      for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
      return s;
    }
  }
}
