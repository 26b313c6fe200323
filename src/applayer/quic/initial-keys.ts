import { createHmac } from 'node:crypto';

/**
 * QUIC Initial packet protection keys (RFC 9001 5.2; RFC 9369 3.3.1 for QUIC v2). Initial packets are
 * encrypted with keys anyone can derive from the client's Destination Connection ID, so a sensor can
 * read the ClientHello inside:
 *   initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
 *   client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 *   key = HKDF-Expand-Label(secret, "quic key", "", 16); iv = ... "quic iv" 12; hp = ... "quic hp" 16
 * QUIC v2 uses its own salt and the labels "quicv2 key", "quicv2 iv", "quicv2 hp". IETF drafts 29-32
 * use the draft-29 salt and drafts 23-28 the draft-23 salt, both with v1's labels (old captures and
 * early deployments still show them). HKDF (RFC 5869) over SHA-256 is
 * written out with node:crypto's HMAC: node's hkdf() always extracts first, and Expand-Label needs
 * expand on its own.
 */
export const QuicVersion = {
  V1: 0x00000001,
  V2: 0x6b3343cf,
  DRAFT_23: 0xff000017,
  DRAFT_29: 0xff00001d,
  DRAFT_32: 0xff000020,
} as const;

const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex');
const SALT_DRAFT_29 = Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex');
const SALT_DRAFT_23 = Buffer.from('c3eef712c72ebb5a11a7d2432bb46365bef9f502', 'hex');

/** The Initial salt for a version torwatch can read, else undefined. */
export function initialSalt(version: number): Buffer | undefined {
  if (version === QuicVersion.V1) return SALT_V1;
  if (version === QuicVersion.V2) return SALT_V2;
  if (version >= QuicVersion.DRAFT_29 && version <= QuicVersion.DRAFT_32) return SALT_DRAFT_29;
  if (version >= QuicVersion.DRAFT_23 && version < QuicVersion.DRAFT_29) return SALT_DRAFT_23;
  return undefined;
}

export function isKnownVersion(version: number): boolean {
  return initialSalt(version) !== undefined;
}

export interface PacketKeys {
  key: Buffer;
  iv: Buffer;
  hp: Buffer;
}

export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return createHmac('sha256', salt).update(ikm).digest();
}

export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let prev = Buffer.alloc(0);
  for (let i = 1, have = 0; have < length; i++) {
    prev = createHmac('sha256', prk).update(prev).update(info).update(Buffer.from([i])).digest();
    out.push(prev);
    have += prev.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

/** HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const full = Buffer.from('tls13 ' + label, 'latin1');
  const info = Buffer.alloc(2 + 1 + full.length + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  full.copy(info, 3);
  info[3 + full.length] = 0;
  return hkdfExpand(secret, info, length);
}

/** Initial keys of one side ('client in' / 'server in') for `version` and the client's first DCID. */
export function initialKeys(version: number, dcid: Uint8Array, side: 'client' | 'server' = 'client'): PacketKeys | undefined {
  const salt = initialSalt(version);
  if (!salt) return undefined;
  const initial = hkdfExtract(salt, dcid);
  const secret = hkdfExpandLabel(initial, side === 'client' ? 'client in' : 'server in', 32);
  const p = version === QuicVersion.V2 ? 'quicv2 ' : 'quic ';
  return { key: hkdfExpandLabel(secret, p + 'key', 16), iv: hkdfExpandLabel(secret, p + 'iv', 12), hp: hkdfExpandLabel(secret, p + 'hp', 16) };
}
