/**
 * pcapng blocks (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
 *
 * Every block is type(4) total_length(4) body total_length(4), in the byte order of its section; each
 * Section Header Block (SHB) starts a new section with its own byte order and its own interface list.
 * Packet blocks: Enhanced (EPB, 6), Simple (SPB, 3, always interface 0, no timestamp), and the obsolete
 * Packet Block (PB, 2). Interface Description Blocks (IDB, 1) are collected; every other block type
 * (NRB, ISB, DSB, custom, journal, unknown) is skipped by its length.
 *
 * Checks follow libpcap's sf-pcapng.c, with its wording where it has one: block length < 12, not a
 * multiple of 4, header/trailer length mismatch, SHB length outside 28..1 MiB, version other than 1.0
 * (or 1.2, which libpcap also accepts), packet block before any IDB, unknown interface id, and an input
 * without any IDB. Unlike libpcap, interfaces may differ in link type and snaplen (Frame carries the
 * link type per packet); Wireshark reads such files too.
 *
 * Frame.ifIndex is the interface's index across the whole input (IDBs of earlier sections counted), so
 * it matches Wireshark's frame.interface_id.
 */
import type { Frame, FrameSink } from '../frame.js';
import { InputError } from '../../util/errors.js';
import { hex32, u16e, u32e } from '../../util/bytes.js';
import { PCAPNG_MAX_BLOCK, PCAPNG_MAX_SHB } from './limits.js';
import { parseIdb, type PcapngInterface } from './pcapng-interface.js';
import { setTimestamp } from './pcapng-timestamp.js';
import type { RecordParser } from './record-parser.js';

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the times an ISO 8601 (ECS @timestamp) date can name. */
const MIN_TS_SEC = -62_135_596_800;
const MAX_TS_SEC = 253_402_300_799;

/** type + length + trailer */
const BLOCK_OVERHEAD = 12;
/** SHB: overhead + byte-order magic(4) + version(4) + section length(8). */
const SHB_MIN = 28;
/** EPB/PB: overhead + interface(4) + ts(8) + caplen(4) + wirelen(4). */
const EPB_MIN = 32;
/** SPB: overhead + wirelen(4). */
const SPB_MIN = 16;

const BLOCK_NAMES: Record<number, string> = {
  [BT_SHB]: 'Section Header Block',
  [BT_IDB]: 'Interface Description Block',
  [BT_PB]: 'Packet Block',
  [BT_SPB]: 'Simple Packet Block',
  [BT_EPB]: 'Enhanced Packet Block',
  4: 'Name Resolution Block',
  5: 'Interface Statistics Block',
  10: 'Decryption Secrets Block',
};

function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block of type ${hex32(type)}`;
}

export class PcapngParser implements RecordParser {
  need = SHB_MIN;
  records = 0;
  /** Blocks seen, for information. */
  blocks = 0;
  sections = 0;
  /** Interfaces of the current section, by local interface id. */
  private ifaces: PcapngInterface[] = [];
  private totalIfaces = 0;
  /** Byte order of the current section; unknown until the first SHB is parsed. */
  private le = true;
  private inSection = false;
  /** The chunk being parsed. */
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly file: string,
    private readonly frame: Frame,
    private readonly sink: FrameSink,
  ) {}

  parse(buf: Buffer, pos: number, end: number, base: number): number {
    this.buf = buf;
    for (;;) {
      const avail = end - pos;
      if (avail < 8) {
        this.need = this.inSection ? 8 : SHB_MIN;
        return pos;
      }
      let type = u32e(buf, pos, this.le);
      if (type === BT_SHB) {
        // The SHB type reads the same in both byte orders; its byte-order magic says which one the
        // section (including this block's length) uses.
        if (avail < 12) {
          this.need = SHB_MIN;
          return pos;
        }
        const bom = buf.readUInt32LE(pos + 8);
        if (bom === BYTE_ORDER_MAGIC) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else this.failBlock(base + pos, `Section Header Block has an invalid byte-order magic ${hex32(buf.readUInt32BE(pos + 8))} (expected 1a2b3c4d in either byte order)`);
        type = BT_SHB;
      } else if (!this.inSection) {
        // Cannot happen after format detection, but keep the parser self-contained.
        this.failBlock(base + pos, `input does not start with a Section Header Block (first block type ${hex32(type)})`);
      }
      const len = u32e(buf, pos + 4, this.le);
      if (type === BT_SHB) {
        if (len < SHB_MIN || len > PCAPNG_MAX_SHB) {
          this.failBlock(base + pos, `Section Header Block has invalid length ${len} (must be between ${SHB_MIN} and ${PCAPNG_MAX_SHB})`);
        }
      }
      if (len < BLOCK_OVERHEAD) this.failBlock(base + pos, `${blockName(type)} has a length of ${len} < ${BLOCK_OVERHEAD}, the minimum for any block`);
      if (len % 4 !== 0) this.failBlock(base + pos, `${blockName(type)} has a length of ${len} that is not a multiple of 4`);
      if (len > PCAPNG_MAX_BLOCK) {
        this.failBlock(base + pos, `${blockName(type)} has a length of ${len}, larger than the maximum of ${PCAPNG_MAX_BLOCK} bytes (corrupt block header)`);
      }
      if (avail < len) {
        this.need = len;
        return pos;
      }
      const trailer = u32e(buf, pos + len - 4, this.le);
      if (trailer !== len) {
        this.failBlock(base + pos, `${blockName(type)}: block total length in header ${len} and trailer ${trailer} don't match`);
      }
      this.blocks++;
      switch (type) {
        case BT_EPB:
          this.packet(buf, pos, len, base, false);
          break;
        case BT_SPB:
          this.simplePacket(buf, pos, len, base);
          break;
        case BT_PB:
          this.packet(buf, pos, len, base, true);
          break;
        case BT_IDB:
          this.interface(buf, pos, len, base);
          break;
        case BT_SHB:
          this.section(buf, pos, base);
          break;
        default:
          break; // NRB, ISB, DSB, custom and unknown blocks carry nothing the sensor needs.
      }
      pos += len;
    }
  }

  finish(left: number, at: number): void {
    if (left > 0) {
      if (!this.inSection) {
        this.failBlock(at, `truncated Section Header Block: the input ends after ${left} of its ${this.need} bytes`);
      }
      if (left < 8) this.failBlock(at, `truncated block header: the input ends ${left} byte(s) into an 8-byte block header`);
      this.failBlock(at, `truncated block: the input ends ${left} bytes into a block of ${this.need} bytes`);
    }
    if (this.totalIfaces === 0) {
      throw new InputError(
        { file: this.file },
        'the capture file has no Interface Description Block (pcapng with no interfaces, so no packets)',
      );
    }
  }

  private failBlock(byteOffset: number, what: string): never {
    throw new InputError({ file: this.file, byteOffset }, what);
  }

  private failPacket(byteOffset: number, what: string): never {
    throw new InputError({ file: this.file, packet: this.records + 1, byteOffset }, what);
  }

  private section(buf: Buffer, pos: number, base: number): void {
    const major = u16e(buf, pos + 12, this.le);
    const minor = u16e(buf, pos + 14, this.le);
    // libpcap also takes 1.2: some writers used it for what is 1.0.
    if (!(major === 1 && (minor === 0 || minor === 2))) {
      this.failBlock(base + pos, `unsupported pcapng version ${major}.${minor} in Section Header Block (only 1.0 is defined)`);
    }
    this.inSection = true;
    this.sections++;
    this.ifaces = [];
  }

  private interface(buf: Buffer, pos: number, len: number, base: number): void {
    const r = parseIdb(buf, pos + 8, pos + len - 4, this.le, this.totalIfaces);
    if (typeof r === 'string') this.failBlock(base + pos, r);
    this.ifaces.push(r);
    this.totalIfaces++;
  }

  private lookupIface(id: number, pos: number, base: number, what: string): PcapngInterface {
    const iface = this.ifaces[id];
    if (iface !== undefined) return iface;
    if (this.ifaces.length === 0) {
      this.failPacket(base + pos, `the capture file has a packet block (${what}) before any Interface Description Block`);
    }
    return this.failPacket(
      base + pos,
      `${what} is on interface ${id}, but this section has only ${this.ifaces.length} Interface Description Block(s)`,
    );
  }

  /** EPB, or the obsolete PB (16-bit interface id followed by a 16-bit drops count). */
  private packet(buf: Buffer, pos: number, len: number, base: number, obsolete: boolean): void {
    const what = obsolete ? 'Packet Block' : 'Enhanced Packet Block';
    if (len < EPB_MIN) this.failPacket(base + pos, `${what} length ${len} is too small (minimum ${EPB_MIN})`);
    const le = this.le;
    const ifId = obsolete ? u16e(buf, pos + 8, le) : u32e(buf, pos + 8, le);
    const iface = this.lookupIface(ifId, pos, base, what);
    const caplen = u32e(buf, pos + 20, le);
    if (caplen > len - EPB_MIN) {
      this.failPacket(base + pos, `${what} captured length ${caplen} does not fit in the block (total length ${len})`);
    }
    // As for classic pcap: more bytes than the interface's snaplen means a corrupt block (0 = no limit).
    if (iface.snaplen > 0 && caplen > iface.snaplen) {
      this.failPacket(base + pos, `${what} captured length ${caplen} is larger than interface ${ifId}'s snaplen ${iface.snaplen}`);
    }
    const f = this.frame;
    setTimestamp(f, u32e(buf, pos + 12, le), u32e(buf, pos + 16, le), iface.ts, iface.tsOffsetSec);
    // 64 bits of units (and a signed offset) reach far past any calendar; a date no ISO 8601 / ECS
    // timestamp can hold is a corrupt block (or a wrong if_tsresol/if_tsoffset), not a packet time.
    if (f.tsSec < MIN_TS_SEC || f.tsSec > MAX_TS_SEC) {
      this.failPacket(base + pos, `${what} timestamp of ${f.tsSec} seconds since 1970 is outside the years 0001-9999 (corrupt timestamp, or a wrong if_tsresol/if_tsoffset of interface ${ifId})`);
    }
    f.caplen = caplen;
    f.wirelen = u32e(buf, pos + 24, le);
    f.off = pos + 28;
    this.deliver(f, iface, pos, base);
  }

  /** SPB: interface 0, no timestamp; caplen = min(wirelen, snaplen, data in the block) as libpcap. */
  private simplePacket(buf: Buffer, pos: number, len: number, base: number): void {
    if (len < SPB_MIN) this.failPacket(base + pos, `Simple Packet Block length ${len} is too small (minimum ${SPB_MIN})`);
    const iface = this.lookupIface(0, pos, base, 'Simple Packet Block');
    const wirelen = u32e(buf, pos + 8, this.le);
    let caplen = len - SPB_MIN;
    if (caplen > wirelen) caplen = wirelen;
    if (iface.snaplen !== 0 && caplen > iface.snaplen) caplen = iface.snaplen;
    const f = this.frame;
    f.tsSec = 0;
    f.tsNsec = 0;
    f.caplen = caplen;
    f.wirelen = wirelen;
    f.off = pos + 12;
    this.deliver(f, iface, pos, base);
  }

  private deliver(f: Frame, iface: PcapngInterface, pos: number, base: number): void {
    f.buf = this.buf;
    f.linktype = iface.linktype;
    f.ifIndex = iface.globalIndex;
    f.index = ++this.records;
    f.fileOffset = base + pos;
    this.sink(f);
  }
}
