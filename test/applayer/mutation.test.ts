/**
 * Hostile bytes through the whole app layer: real captures of every protocol it parses (DNS over UDP
 * and TCP, TLS 1.2/1.3 with certificates, HTTP with CONNECT, QUIC v1/v2, Tor handshakes), with their
 * payload bytes mutated at random (seeded: the same run every time), replayed through the real
 * pipeline. Nothing may throw, and no parser may hit the internal-error path (a bug caught at the
 * stage boundary); the anomaly counters are the only trace malformed data may leave.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Frame } from '../../src/capture/frame.js';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { RULE_IDS } from '../../src/detect/catalog.js';
import { DEFAULT_TIMEOUTS } from '../../src/flow/table.js';
import { IntelHolder } from '../../src/intel/intel.js';
import { emptyIntel } from '../support/empty-intel.js';
import { createDetectors } from '../../src/detect/registry.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { CidrSet } from '../../src/util/cidr.js';
import { PCAPS } from '../support/run-cli.js';
import { DATA } from './run-pipeline.js';

interface Rec {
  bytes: Buffer;
  linktype: number;
  tsSec: number;
  tsNsec: number;
}

async function load(file: string): Promise<Rec[]> {
  const out: Rec[] = [];
  await readCaptureFile(file, (f) => out.push({ bytes: Buffer.from(f.buf.subarray(f.off, f.off + f.caplen)), linktype: f.linktype, tsSec: f.tsSec, tsNsec: f.tsNsec }));
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const FILES = [
  join(PCAPS, 'dns-names.pcap'), join(PCAPS, 'web-names.pcap'), join(PCAPS, 'tor-link-tls12.pcap'), join(PCAPS, 'tor-link-tls13.pcap'),
  join(DATA, 'ndpi/pcap/tor.pcap'), join(DATA, 'suricata-verify/quic-v2/input.pcap'), join(DATA, 'arkime/tests/pcap/quicietfooo.pcap'),
  join(DATA, 'suricata-verify/tls/tls-client-hello-frag-01/dump_mtu300.pcap'), join(DATA, 'arkime/tests/pcap/dns-tcp.pcap'),
];

describe('mutated real traffic through the app layer', () => {
  for (const file of FILES) {
    it(file.replace(DATA + '/', '').replace(PCAPS, 'pcaps/'), async () => {
      const recs = await load(file);
      const rand = rng(0x5eed ^ recs.length);
      let events = 0;
      for (let round = 0; round < 60; round++) {
        const p = new Pipeline({
          homeNet: CidrSet.parse(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']),
          maxFlows: 10_000, timeouts: DEFAULT_TIMEOUTS, detectors: createDetectors(new IntelHolder(emptyIntel())), enabledRules: new Set(RULE_IDS), onDetection: () => undefined,
        });
        const orig = p.detect.onAppEvent.bind(p.detect);
        p.detect.onAppEvent = (f, ev, at) => { events++; orig(f, ev, at); };
        const frame = new Frame();
        recs.forEach((r, i) => {
          const b = Buffer.from(r.bytes);
          // Leave the first 54 bytes (Ethernet/IPv4/TCP headers, roughly) mostly intact so the
          // mutations reach the parsers; flip, zero or max out a few payload bytes, or cut the frame.
          // Half the frames stay intact, so later parsers still get input (an encrypted QUIC Initial
          // with one flipped byte never decrypts: AES-GCM's tag catches it, quic.decrypt_failed).
          const n = rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 6);
          for (let k = 0; k < n && b.length > 54; k++) {
            const at = 54 + Math.floor(rand() * (b.length - 54));
            const what = rand();
            b[at] = what < 0.4 ? b[at] ^ (1 << Math.floor(rand() * 8)) : what < 0.6 ? 0 : what < 0.8 ? 0xff : Math.floor(rand() * 256);
          }
          const cut = n > 0 && rand() < 0.2 ? Math.floor(rand() * b.length) : b.length;
          frame.buf = b;
          frame.off = 0;
          frame.caplen = cut;
          frame.wirelen = b.length;
          frame.linktype = r.linktype;
          frame.tsSec = r.tsSec;
          frame.tsNsec = r.tsNsec;
          frame.index = i + 1;
          p.onFrame(frame);
        });
        p.finish();
        const s = p.app.summary();
        expect(s.anomalies['applayer.internal_error'], `round ${round}`).toBeUndefined();
        expect(p.app.budget.used).toBe(0);
      }
      expect(events).toBeGreaterThan(0);
    });
  }
});
