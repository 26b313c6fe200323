/**
 * Identify a capture input by its first bytes (never by its file name: .pcap files are often pcapng
 * and vice versa).
 */
import { hexBytes } from '../../util/bytes.js';

export type DetectedFormat =
  | { kind: 'pcap'; littleEndian: boolean; nano: boolean }
  | { kind: 'pcapng' }
  | { kind: 'gzip' }
  | { kind: 'unknown'; description: string };

/** Bytes needed to decide. */
export const MAGIC_BYTES = 4;

/** Other formats users may hand us, named so the error says what the file is. */
const OTHER_MAGICS: ReadonlyArray<{ bytes: number[]; name: string }> = [
  { bytes: [0xa1, 0xb2, 0xcd, 0x34], name: 'a "modified" (Kuznetzov) pcap file, which is not supported' },
  { bytes: [0x34, 0xcd, 0xb2, 0xa1], name: 'a "modified" (Kuznetzov) pcap file, which is not supported' },
  { bytes: [0x42, 0x5a, 0x68], name: 'bzip2-compressed data; only gzip compression is supported' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58], name: 'xz-compressed data; only gzip compression is supported' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: 'zstd-compressed data; only gzip compression is supported' },
  { bytes: [0x04, 0x22, 0x4d, 0x18], name: 'lz4-compressed data; only gzip compression is supported' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], name: 'a zip archive; extract the capture first' },
  { bytes: [0x73, 0x6e, 0x6f, 0x6f], name: 'a Solaris snoop capture, which is not supported' },
];

function startsWith(head: Buffer, bytes: number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false;
  return true;
}

/** `head` is the start of the input; at least MAGIC_BYTES long unless the input is shorter. */
export function detectFormat(head: Buffer): DetectedFormat {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return { kind: 'gzip' };
  if (head.length >= MAGIC_BYTES) {
    const m = head.readUInt32BE(0);
    switch (m) {
      case 0xa1b2c3d4:
        return { kind: 'pcap', littleEndian: false, nano: false };
      case 0xd4c3b2a1:
        return { kind: 'pcap', littleEndian: true, nano: false };
      case 0xa1b23c4d:
        return { kind: 'pcap', littleEndian: false, nano: true };
      case 0x4d3cb2a1:
        return { kind: 'pcap', littleEndian: true, nano: true };
      case 0x0a0d0d0a:
        return { kind: 'pcapng' };
    }
  }
  const shown = hexBytes(head, 0, 8);
  for (const o of OTHER_MAGICS) {
    if (startsWith(head, o.bytes)) return { kind: 'unknown', description: `not a pcap or pcapng file: it is ${o.name} (first bytes ${shown})` };
  }
  if (head.length < MAGIC_BYTES) {
    return { kind: 'unknown', description: `input is only ${head.length} byte(s) long, too short to be a pcap or pcapng file (bytes: ${shown})` };
  }
  const printable = [...head.subarray(0, 8)].every((c) => c >= 0x20 && c < 0x7f);
  const text = printable ? ` ("${head.subarray(0, 8).toString('latin1')}", looks like text)` : '';
  return {
    kind: 'unknown',
    description: `not a pcap, pcapng or gzip file: unknown magic number, first bytes are ${shown}${text}`,
  };
}
