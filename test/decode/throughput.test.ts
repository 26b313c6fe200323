import { describe, expect, it } from 'vitest';
import { Frame } from '../../src/capture/frame.js';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { Packet } from '../../src/decode/packet.js';
import { AnomalyCounters } from '../../src/decode/anomalies.js';
import { PacketDecoder } from '../../src/decode/index.js';
import { DATA } from './helpers.js';

/**
 * decode() alone over real traffic held in memory (no file reading), repeated to about a million
 * packets. Prints packets/s for the report; asserts only that every round decodes the same way
 * (no timing assertion: the machine is shared).
 */
const FILES = [
  'ndpi/pcap/gnutella.pcap', // 3905 Ethernet/IPv4 TCP+UDP packets
  'suricata-verify/decode-sll2-02/input.pcap', // SLL2, large TCP segments
  'ndpi/pcap/tor.pcap',
  'ndpi/pcap/vxlan.pcap',
  'arkime/tests/pcap/v6.pcap',
];

interface Held {
  buf: Buffer;
  linktype: number;
  wirelen: number;
  tsSec: number;
}

describe('throughput', () => {
  it('decode() packets/s over real captures', async () => {
    const held: Held[] = [];
    for (const f of FILES) {
      await readCaptureFile(`${DATA}/${f}`, (fr) => {
        held.push({ buf: Buffer.from(fr.buf.subarray(fr.off, fr.off + fr.caplen)), linktype: fr.linktype, wirelen: fr.wirelen, tsSec: fr.tsSec });
      });
    }
    const frames = held.map((h) => {
      const f = new Frame();
      f.buf = h.buf;
      f.off = 0;
      f.caplen = h.buf.length;
      f.wirelen = h.wirelen;
      f.linktype = h.linktype;
      f.tsSec = h.tsSec;
      return f;
    });
    const dec = new PacketDecoder(new AnomalyCounters());
    const p = new Packet();
    const rounds = Math.max(1, Math.ceil(1_000_000 / frames.length));
    const perRound: number[] = [];
    let total = 0;
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < rounds; r++) {
      let ok = 0;
      for (let i = 0; i < frames.length; i++) {
        p.reset(frames[i]);
        if (dec.decode(p)) ok++;
      }
      perRound.push(ok);
      total += frames.length;
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const pps = total / (ns / 1e9);
    const bytes = held.reduce((a, h) => a + h.buf.length, 0) * rounds;
    console.log(`decode(): ${total} packets in ${(ns / 1e6).toFixed(0)} ms = ${(pps / 1e6).toFixed(2)} M packets/s (${((bytes * 8) / (ns / 1e9) / 1e9).toFixed(1)} Gbit/s of captured bytes), ${frames.length} distinct frames`);
    expect(new Set(perRound).size).toBe(1);
    expect(perRound[0]).toBeGreaterThan(frames.length * 0.95);
  });
});
