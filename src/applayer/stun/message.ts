import { u16, u32 } from '../../util/bytes.js';
import { formatIp } from '../../util/ip.js';
import { boundedText } from '../../util/printable.js';

/**
 * A STUN message (RFC 8489; RFC 5389 and 3489's Binding), as WebRTC's ICE (RFC 8445) uses it on UDP:
 * the 20-byte header (type, length, magic cookie 0x2112A442, transaction id), then attributes
 * (type, length, value padded to 4 bytes). Read here: the class and method, the mapped address a
 * server reports (XOR-MAPPED-ADDRESS, or the classic MAPPED-ADDRESS), whether the message carries
 * ICE's connectivity-check attributes (USERNAME, PRIORITY, ICE-CONTROLLING/-CONTROLLED), and the
 * SOFTWARE description. Nothing is verified (MESSAGE-INTEGRITY needs the peers' password).
 */
export const STUN_MAGIC = 0x2112a442;
export const STUN_HEADER = 20;
export const StunClass = { REQUEST: 0, INDICATION: 1, SUCCESS: 2, ERROR: 3 } as const;
export const STUN_BINDING = 0x001;

const Attr = {
  MAPPED_ADDRESS: 0x0001,
  USERNAME: 0x0006,
  XOR_MAPPED_ADDRESS: 0x0020,
  PRIORITY: 0x0024,
  USE_CANDIDATE: 0x0025,
  SOFTWARE: 0x8022,
  ICE_CONTROLLED: 0x8029,
  ICE_CONTROLLING: 0x802a,
} as const;

/** Attributes read per message; real ones carry under a dozen. */
const MAX_ATTRS = 32;
/** SOFTWARE is at most 763 bytes (RFC 8489 14.14); what is kept of it. */
export const SOFTWARE_MAX = 128;

export interface StunMessage {
  cls: number;
  method: number;
  /** USERNAME, PRIORITY, USE-CANDIDATE or ICE-CONTROLLING/-CONTROLLED present: an ICE connectivity check. */
  ice: boolean;
  /** The reflexive transport address a server reported ("ip:port", "[v6]:port"). */
  mapped?: string;
  software?: string;
}

/**
 * Whether `buf[off, off+len)` is exactly one STUN message: the top two bits of the type zero (RFC 7983
 * demultiplexing: first byte 0-3), the magic cookie, a length that is a multiple of 4 and fills the
 * datagram. Cheap; used to claim a UDP flow and to tell STUN from DTLS on it.
 */
export function isStun(buf: Uint8Array, off: number, len: number): boolean {
  if (len < STUN_HEADER || (buf[off] & 0xc0) !== 0) return false;
  const mlen = u16(buf, off + 2);
  return (mlen & 3) === 0 && mlen + STUN_HEADER === len && u32(buf, off + 4) === STUN_MAGIC;
}

/** Parse a message isStun() accepted. Undefined when an attribute's length runs past the message. */
export function parseStun(buf: Uint8Array, off: number, len: number): StunMessage | undefined {
  const type = u16(buf, off);
  const msg: StunMessage = {
    cls: ((type >> 7) & 2) | ((type >> 4) & 1),
    method: (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80),
    ice: false,
  };
  const end = off + len;
  let p = off + STUN_HEADER;
  for (let n = 0; p < end && n < MAX_ATTRS; n++) {
    if (end - p < 4) return undefined;
    const at = u16(buf, p);
    const alen = u16(buf, p + 2);
    const v = p + 4;
    if (end - v < alen) return undefined;
    switch (at) {
      case Attr.XOR_MAPPED_ADDRESS:
        msg.mapped = address(buf, v, alen, true, off) ?? msg.mapped;
        break;
      case Attr.MAPPED_ADDRESS:
        msg.mapped ??= address(buf, v, alen, false, off);
        break;
      case Attr.USERNAME:
      case Attr.PRIORITY:
      case Attr.USE_CANDIDATE:
      case Attr.ICE_CONTROLLED:
      case Attr.ICE_CONTROLLING:
        msg.ice = true;
        break;
      case Attr.SOFTWARE:
        msg.software = boundedText(buf, v, alen, SOFTWARE_MAX);
        break;
      default:
        break;
    }
    p = v + ((alen + 3) & ~3);
  }
  return msg;
}

/** (XOR-)MAPPED-ADDRESS value: reserved, family (1 IPv4, 2 IPv6), port, address; XORed with the cookie (and transaction id). */
function address(buf: Uint8Array, v: number, alen: number, xor: boolean, msgOff: number): string | undefined {
  if (alen < 8) return undefined;
  const family = buf[v + 1];
  let port = u16(buf, v + 2);
  if (xor) port ^= STUN_MAGIC >>> 16;
  if (family === 1 && alen >= 8) {
    const a = (u32(buf, v + 4) ^ (xor ? STUN_MAGIC : 0)) >>> 0;
    return `${formatIp(4, 0, 0, 0, a)}:${port}`;
  }
  if (family === 2 && alen >= 20) {
    const w: number[] = [];
    for (let i = 0; i < 4; i++) {
      // The XOR key for IPv6 is the cookie followed by the 96-bit transaction id (header bytes 4-19).
      const key = xor ? u32(buf, msgOff + 4 + 4 * i) : 0;
      w.push((u32(buf, v + 4 + 4 * i) ^ key) >>> 0);
    }
    return `[${formatIp(6, w[0], w[1], w[2], w[3])}]:${port}`;
  }
  return undefined;
}
