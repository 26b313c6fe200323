/**
 * TLS record layer framing (RFC 8446 5.1, RFC 5246 6.2.1): a 5-byte header (content type, legacy
 * version, length) then the fragment. Headers are validated before anything is believed: a known
 * content type, major version 3, and a length within TLSCiphertext's limit (2^14 + 2048), so bytes
 * that are not TLS stop the parser instead of making it wait for a 60 KB "record".
 */
export const RECORD_HEADER_LEN = 5;
export const MAX_RECORD_LEN = 16384 + 2048;

export const ContentType = {
  CHANGE_CIPHER_SPEC: 20,
  ALERT: 21,
  HANDSHAKE: 22,
  APPLICATION_DATA: 23,
  HEARTBEAT: 24,
} as const;

/** Whether `buf[off, off + 5)` is a plausible record header. */
export function isRecordHeader(type: number, major: number, minor: number, length: number): boolean {
  return type >= ContentType.CHANGE_CIPHER_SPEC && type <= ContentType.HEARTBEAT && major === 3 && minor <= 4 && length <= MAX_RECORD_LEN;
}

/** First bytes of a TLS handshake record: the sniffer's test for "this TCP stream is TLS". */
export function looksLikeTlsHandshake(buf: Uint8Array, off: number, len: number): boolean {
  return len >= 3 && buf[off] === ContentType.HANDSHAKE && buf[off + 1] === 3 && buf[off + 2] <= 4;
}
