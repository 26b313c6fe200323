import { createCipheriv } from 'node:crypto';

/**
 * Header protection (RFC 9001 5.4): the mask is AES-128-ECB of a 16-byte sample of the ciphertext
 * taken 4 bytes after the start of the packet number field. For long headers the mask hides the low
 * 4 bits of the first byte (reserved bits and packet number length) and the packet number bytes.
 */
export const SAMPLE_LEN = 16;

export function headerProtectionMask(hp: Uint8Array, sample: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-ecb', hp, null);
  c.setAutoPadding(false);
  return c.update(sample);
}

/**
 * Remove header protection from a copy of the header. `header` holds the packet from its first byte
 * through at least pnOffset + 4 bytes, and `sample` the 16 sample bytes. Returns the packet number
 * length (1..4) and writes the unprotected first byte and packet number into `header` in place.
 */
export function unprotectLongHeader(header: Uint8Array, pnOffset: number, mask: Uint8Array): number {
  header[0] ^= mask[0] & 0x0f;
  const pnLen = (header[0] & 0x03) + 1;
  for (let i = 0; i < pnLen; i++) header[pnOffset + i] ^= mask[1 + i];
  return pnLen;
}
