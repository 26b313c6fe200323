/**
 * Classic libpcap savefile records (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html):
 * a 24-byte file header, then records of a 16-byte header (ts_sec, ts_frac, caplen, wirelen) and
 * caplen bytes. Both byte orders, micro- and nanosecond magic.
 *
 * Decisions, following libpcap's sf-pcap.c where it has one:
 * - version: 2.0 to 2.4 and DG/UX's 543.0 are accepted, anything else is "unsupported version".
 * - link type: the low 16 bits (LT_LINKTYPE); bits 16-25 are reserved and must be zero (libpcap 1.11
 *   rejects the file: "linktype reserved field not zero"); the FCS bits 26-31 are ignored.
 * - a record whose caplen exceeds the header's snaplen is malformed and ends the read (libpcap cuts it
 *   to the snaplen, Wireshark delivers it): no writer produces one, and among the 266 classic pcaps in
 *   ../shared/data the only four that have one are corrupt-record test cases (suricata-verify
 *   bug-1450-04/05, bug-6875-01, nDPI fuzz-2021-10-13). A snaplen of 0 means "not recorded"; then only
 *   libpcap's maximum (262144) applies.
 * - caplen > wirelen is tolerated and passed through unchanged, as libpcap does for 2.4 files.
 * - files older than 2.3 store wirelen before caplen; 2.3 files may or may not (libpcap swaps them
 *   back when caplen > wirelen). Both are undone here exactly as libpcap does, before any check.
 * - a fraction field >= 1 second (1e6 us / 1e9 ns) is carried into the seconds so Frame.tsNsec stays
 *   in 0..999_999_999; the instant is the one the record states.
 */
import type { Frame, FrameSink } from '../frame.js';
import { InputError } from '../../util/errors.js';
import { hex32, u16e, u32e } from '../../util/bytes.js';
import { PCAP_MAX_CAPLEN } from './limits.js';
import type { RecordParser } from './record-parser.js';

export const PCAP_FILE_HEADER = 24;
export const PCAP_RECORD_HEADER = 16;

export interface PcapFileHeader {
  littleEndian: boolean;
  nano: boolean;
  versionMajor: number;
  versionMinor: number;
  snaplen: number;
  linktype: number;
  lengths: LengthOrder;
}

/** Order of the two length fields in record headers (libpcap's lengths_swapped). */
export const LengthOrder = { Normal: 0, Swapped: 1, MaybeSwapped: 2 } as const;
export type LengthOrder = (typeof LengthOrder)[keyof typeof LengthOrder];

export class PcapParser implements RecordParser {
  need = PCAP_FILE_HEADER;
  records = 0;
  header: PcapFileHeader | undefined;

  constructor(
    private readonly file: string,
    private readonly frame: Frame,
    private readonly sink: FrameSink,
  ) {}

  parse(buf: Buffer, pos: number, end: number, base: number): number {
    if (this.header === undefined) {
      if (end - pos < PCAP_FILE_HEADER) {
        this.need = PCAP_FILE_HEADER;
        return pos;
      }
      this.header = this.parseFileHeader(buf, pos, base);
      pos += PCAP_FILE_HEADER;
    }
    const { littleEndian: le, nano, linktype, lengths, snaplen } = this.header;
    // Fraction units per second and the multiplier from a fraction unit to nanoseconds.
    const fracPerSec = nano ? 1_000_000_000 : 1_000_000;
    const nsPerFrac = nano ? 1 : 1000;
    const f = this.frame;
    const sink = this.sink;
    this.need = PCAP_RECORD_HEADER;
    while (end - pos >= PCAP_RECORD_HEADER) {
      let caplen = u32e(buf, pos + 8, le);
      let wirelen = u32e(buf, pos + 12, le);
      if (lengths !== LengthOrder.Normal && (lengths === LengthOrder.Swapped || caplen > wirelen)) {
        const t = caplen;
        caplen = wirelen;
        wirelen = t;
      }
      if (caplen > PCAP_MAX_CAPLEN || (snaplen > 0 && caplen > snaplen)) this.fail(base + pos, this.caplenProblem(caplen));
      const next = pos + PCAP_RECORD_HEADER + caplen;
      if (next > end) {
        this.need = PCAP_RECORD_HEADER + caplen;
        break;
      }
      let sec = u32e(buf, pos, le);
      let frac = u32e(buf, pos + 4, le);
      if (frac >= fracPerSec) {
        const carry = Math.floor(frac / fracPerSec);
        sec += carry;
        frac -= carry * fracPerSec;
      }
      // Every field is set per record: a sink may have scribbled on the shared Frame.
      f.buf = buf;
      f.linktype = linktype;
      f.ifIndex = 0;
      f.tsSec = sec;
      f.tsNsec = frac * nsPerFrac;
      f.caplen = caplen;
      f.wirelen = wirelen;
      f.off = pos + PCAP_RECORD_HEADER;
      f.index = ++this.records;
      f.fileOffset = base + pos;
      sink(f);
      pos = next;
    }
    return pos;
  }

  finish(left: number, at: number): void {
    if (left === 0) return;
    if (this.header === undefined) {
      throw new InputError(
        { file: this.file, byteOffset: 0 },
        `truncated pcap file header: the input ends after ${left} of the ${PCAP_FILE_HEADER} header bytes`,
      );
    }
    if (left < PCAP_RECORD_HEADER) {
      this.fail(at, `truncated record header: the input ends ${left} byte(s) into a ${PCAP_RECORD_HEADER}-byte record header`);
    }
    this.fail(
      at,
      `truncated record: its header says ${this.need - PCAP_RECORD_HEADER} captured bytes but the input ends after ${left - PCAP_RECORD_HEADER}`,
    );
  }

  private caplenProblem(caplen: number): string {
    const snap = this.header?.snaplen ?? 0;
    if (caplen <= PCAP_MAX_CAPLEN) return `record captured length ${caplen} is larger than the file's snaplen ${snap} (corrupt record header)`;
    const vsSnap = snap > 0 ? ` and the file's snaplen ${snap}` : '';
    return `record captured length ${caplen} is larger than the maximum ${PCAP_MAX_CAPLEN}${vsSnap} (corrupt record header)`;
  }

  private fail(byteOffset: number, what: string): never {
    throw new InputError({ file: this.file, packet: this.records + 1, byteOffset }, what);
  }

  private parseFileHeader(buf: Buffer, pos: number, base: number): PcapFileHeader {
    const magic = buf.readUInt32BE(pos);
    const littleEndian = magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1;
    const nano = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
    const bad = (what: string): never => {
      throw new InputError({ file: this.file, byteOffset: base + pos }, what);
    };
    if (!littleEndian && magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) bad(`not a pcap file header (magic ${hex32(magic)})`);
    const versionMajor = u16e(buf, pos + 4, littleEndian);
    const versionMinor = u16e(buf, pos + 6, littleEndian);
    if (!((versionMajor === 2 && versionMinor <= 4) || (versionMajor === 543 && versionMinor === 0))) {
      bad(`unsupported pcap file version ${versionMajor}.${versionMinor} (only 2.0 to 2.4 are defined)`);
    }
    const snaplen = u32e(buf, pos + 16, littleEndian);
    const rawLinktype = u32e(buf, pos + 20, littleEndian);
    // LT_RESERVED1: bits 16-25 have no meaning yet; a writer that sets them wrote something else.
    if ((rawLinktype & 0x03ff0000) !== 0) {
      bad(`pcap file header link type field ${hex32(rawLinktype)} has reserved bits set (the reserved field must be zero)`);
    }
    const lengths =
      versionMajor === 2 && versionMinor < 3 ? LengthOrder.Swapped : versionMajor === 2 && versionMinor === 3 ? LengthOrder.MaybeSwapped : LengthOrder.Normal;
    return { littleEndian, nano, versionMajor, versionMinor, snaplen, linktype: rawLinktype & 0xffff, lengths };
  }
}
