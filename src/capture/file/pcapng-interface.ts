/**
 * pcapng Interface Description Block (type 1) -> what packet blocks need to know about their
 * interface: link type, snaplen, timestamp resolution (if_tsresol) and offset (if_tsoffset).
 *
 * Option checks follow libpcap's sf-pcapng.c (process_idb_options), which rejects a file for each of
 * them: wrong option lengths, duplicated if_tsresol / if_tsoffset, resolutions finer than 64 bits can
 * count, and options running past the end of the block.
 */
import { u16e, u32e } from '../../util/bytes.js';
import { MICROSECONDS, tsResolution, type TsResolution } from './pcapng-timestamp.js';

export interface PcapngInterface {
  linktype: number;
  /** 0 = no limit. */
  snaplen: number;
  ts: TsResolution;
  /** if_tsoffset, seconds added to every timestamp. */
  tsOffsetSec: number;
  /** Index across the whole input (all sections), as Wireshark numbers interfaces. */
  globalIndex: number;
}

const OPT_ENDOFOPT = 0;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/** Fixed part of the IDB body: linktype(2) reserved(2) snaplen(4). */
export const IDB_FIXED = 8;

/**
 * Parse the IDB body buf[p, end) (after the 8-byte block header, before the trailer). Returns the
 * interface, or a string saying what is wrong.
 */
export function parseIdb(buf: Buffer, p: number, end: number, le: boolean, globalIndex: number): PcapngInterface | string {
  if (end - p < IDB_FIXED) return `Interface Description Block is too short (${end - p} body bytes, needs ${IDB_FIXED})`;
  const iface: PcapngInterface = {
    linktype: u16e(buf, p, le),
    snaplen: u32e(buf, p + 4, le),
    ts: MICROSECONDS,
    tsOffsetSec: 0,
    globalIndex,
  };
  let sawResol = false;
  let sawOffset = false;
  let o = p + IDB_FIXED;
  while (end - o >= 4) {
    const code = u16e(buf, o, le);
    const len = u16e(buf, o + 2, le);
    const v = o + 4;
    if (len > end - v) {
      return `Interface Description Block option ${code} has length ${len}, which runs past the end of the block`;
    }
    if (code === OPT_ENDOFOPT) {
      if (len !== 0) return `Interface Description Block has an end-of-options marker (opt_endofopt) with length ${len}; it must be 0`;
      break;
    }
    if (code === IF_TSRESOL) {
      if (len !== 1) return `Interface Description Block has an if_tsresol (timestamp resolution) option with length ${len}; it must be 1`;
      if (sawResol) return 'Interface Description Block has more than one if_tsresol (timestamp resolution) option';
      sawResol = true;
      const r = buf[v];
      const exp = r & 0x7f;
      // libpcap's limits: 2^-63 (units must fit in a 64-bit count) and 10^-19.
      if (r & 0x80) {
        if (exp > 63) return `Interface Description Block if_tsresol timestamp resolution 2^-${exp} is too high (the finest usable is 2^-63)`;
      } else if (exp > 19) {
        return `Interface Description Block if_tsresol timestamp resolution 10^-${exp} is too high (the finest usable is 10^-19)`;
      }
      iface.ts = tsResolution(r);
    } else if (code === IF_TSOFFSET) {
      if (len !== 8) return `Interface Description Block has an if_tsoffset (timestamp offset) option with length ${len}; it must be 8`;
      if (sawOffset) return 'Interface Description Block has more than one if_tsoffset (timestamp offset) option';
      sawOffset = true;
      iface.tsOffsetSec = Number(le ? buf.readBigInt64LE(v) : buf.readBigInt64BE(v));
    }
    // Options are padded to 32 bits.
    o = v + ((len + 3) & ~3);
  }
  return iface;
}
