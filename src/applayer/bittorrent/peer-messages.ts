/**
 * The peer-wire protocol's fixed parts: the handshake (BEP 3) and which message ids exist with which
 * lengths (BEP 3 core, BEP 5 port, BEP 6 fast extension, BEP 10 extended, BEP 52 hash messages).
 * A message is <length u32><id u8><payload>; length 0 is a keep-alive. Used both to read a stream from
 * its handshake and to recognise one picked up mid-stream, where only these rules say "peer wire".
 */

/** 0x13 "BitTorrent protocol": the handshake's first 20 bytes. */
export const PROTOCOL = Uint8Array.from([0x13, ...Array.from('BitTorrent protocol', (c) => c.charCodeAt(0))]);
/** pstrlen+pstr (20), reserved (8), info_hash (20), peer_id (20). */
export const HANDSHAKE_LEN = 68;
export const HANDSHAKE_NO_PEER_ID = 48;

/** Largest block a piece message may carry here (clients use 16 KiB; BEP 3 allows up to 128 KiB). */
export const MAX_BLOCK = 128 * 1024;
/** Largest bitfield (2^20 pieces) and extended message accepted. */
export const MAX_BITFIELD = 128 * 1024 + 1;
export const MAX_EXTENDED = 1024 * 1024;

export const MsgId = {
  choke: 0, unchoke: 1, interested: 2, notInterested: 3, have: 4, bitfield: 5, request: 6, piece: 7, cancel: 8, port: 9,
  suggest: 13, haveAll: 14, haveNone: 15, reject: 16, allowedFast: 17, extended: 20,
  hashRequest: 21, hashes: 22, hashReject: 23,
} as const;

/** Whether `len` (the length prefix, id byte included) is valid for message `id`. */
export function validMessage(id: number, len: number): boolean {
  switch (id) {
    case MsgId.choke:
    case MsgId.unchoke:
    case MsgId.interested:
    case MsgId.notInterested:
    case MsgId.haveAll:
    case MsgId.haveNone:
      return len === 1;
    case MsgId.have:
    case MsgId.suggest:
    case MsgId.allowedFast:
      return len === 5;
    case MsgId.bitfield:
      return len >= 2 && len <= MAX_BITFIELD;
    case MsgId.request:
    case MsgId.cancel:
    case MsgId.reject:
      return len === 13;
    case MsgId.piece:
      return len > 9 && len <= 9 + MAX_BLOCK;
    case MsgId.port:
      return len === 3;
    case MsgId.extended:
      return len >= 2 && len <= MAX_EXTENDED;
    case MsgId.hashRequest:
    case MsgId.hashReject:
      return len === 49;
    case MsgId.hashes:
      return len >= 49 && len <= 49 + MAX_BLOCK;
    default:
      return false;
  }
}

/** Whether `buf[off, off+len)` starts with the first bytes of the protocol string (all of them if long enough). */
export function startsLikeHandshake(buf: Uint8Array, off: number, len: number): boolean {
  const n = Math.min(len, PROTOCOL.length);
  for (let i = 0; i < n; i++) if (buf[off + i] !== PROTOCOL[i]) return false;
  return true;
}
