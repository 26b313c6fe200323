import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';

const ETH_HLEN = 14;
const LLC_SNAP_LEN = 8;

/**
 * Ethernet II (DIX): dst MAC, src MAC, ethertype. A type field <= 1500 is an 802.3 length: LLC
 * follows; SNAP with OUI 00-00-00 carries an ethertype and is handed on like Ethernet II, other LLC
 * (STP, IPX, ...) is not IP and only counted.
 */
export function decodeEthernet(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < ETH_HLEN) return d.fail(AnomalyId['ethernet.truncated']);
  d.counts[Stat.ethernet]++;
  const type = u16(p.buf, off + 12);
  if (type >= 0x0600) return d.etherType(p, type, off + ETH_HLEN, end);
  d.counts[Stat.llc]++;
  const llc = off + ETH_HLEN;
  const b = p.buf;
  if (end - llc >= LLC_SNAP_LEN && b[llc] === 0xaa && b[llc + 1] === 0xaa && b[llc + 2] === 0x03 &&
      b[llc + 3] === 0 && b[llc + 4] === 0 && b[llc + 5] === 0) {
    return d.etherType(p, u16(b, llc + 6), llc + LLC_SNAP_LEN, end);
  }
  return true;
}
