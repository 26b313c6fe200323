import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PCAPS, runCli } from '../support/run-cli.js';
import { availableBackends, Daemon, NO_AGGREGATION, field, Lab, liveUnavailable, sleep, stable, tcpreplay } from './support.js';

/**
 * Every regression capture in pcaps/, sent by tcpreplay into one end of a veth pair while
 * `torwatch capture` listens on the other: the live daemon must raise the same alerts as
 * `torwatch replay` of the same file, field for field apart from times, ids and the input's name.
 * Each file gets its own daemon (as each replay gets its own pipeline): several files share 5-tuples.
 * tcpreplay sends at the captured pace, so captures that span more than LIVE_MAX_SECONDS (the obfs4,
 * meek and fully-encrypted-negative captures, whose point is a minute of traffic) are left to the
 * replay tests: sent live they would add about seven minutes per backend.
 */
const unavailable = liveUnavailable();
const backends = availableBackends();

/** tcpreplay reads what libpcap reads: gunzip first. */
function plainCopy(dir: string, f: string): string {
  const buf = readFileSync(join(PCAPS, f));
  if (buf[0] !== 0x1f || buf[1] !== 0x8b) return join(PCAPS, f);
  const out = join(dir, f.replace(/\.gz$/, '') + (f.endsWith('.gz') ? '' : '.plain'));
  writeFileSync(out, gunzipSync(buf));
  return out;
}

/**
 * A LINUX_SLL2 capture (tcpdump -i any) cannot go onto an Ethernet link as it is: rewrite each record's
 * 20-byte SLL2 header as a 14-byte Ethernet header with the same protocol type (the IP packets inside
 * are untouched), in a classic little-endian pcap with link type 1.
 */
function sll2ToEthernet(src: string, out: string): void {
  const b = readFileSync(src);
  if (b.readUInt32LE(0) !== 0xa1b2c3d4 || b.readUInt32LE(20) !== 276) throw new Error(`${src}: expected a little-endian microsecond pcap of LINUX_SLL2`);
  const parts: Buffer[] = [];
  const gh = Buffer.from(b.subarray(0, 24));
  gh.writeUInt32LE(1, 20);
  parts.push(gh);
  for (let off = 24; off + 16 <= b.length; ) {
    const tsSec = b.readUInt32LE(off);
    const tsUsec = b.readUInt32LE(off + 4);
    const incl = b.readUInt32LE(off + 8);
    const orig = b.readUInt32LE(off + 12);
    const rec = b.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    if (incl < 20) continue;
    const eth = Buffer.alloc(14);
    Buffer.from([0x02, 0, 0, 0, 0, 0x02]).copy(eth, 0);
    const addrLen = rec[11];
    if (addrLen === 6) rec.copy(eth, 6, 12, 18);
    else Buffer.from([0x02, 0, 0, 0, 0, 0x01]).copy(eth, 6);
    rec.copy(eth, 12, 0, 2);
    const payload = rec.subarray(20);
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32LE(tsSec, 0);
    hdr.writeUInt32LE(tsUsec, 4);
    hdr.writeUInt32LE(14 + payload.length, 8);
    hdr.writeUInt32LE(orig - 20 + 14, 12);
    parts.push(hdr, eth, payload);
  }
  writeFileSync(out, Buffer.concat(parts));
}

const LIVE_MAX_SECONDS = 30;
/** Seconds from a capture's first to its last packet (capinfos, machine-readable). */
function duration(f: string): number {
  const out = execFileSync('capinfos', ['-u', '-M', '-T', '-r', join(PCAPS, f)], { encoding: 'utf8' });
  return Number(out.trim().split('\t').pop());
}
const captures = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).filter((f) => duration(f) <= LIVE_MAX_SECONDS).sort();

describe.skipIf(unavailable !== undefined)('live capture on a veth pair raises the same alerts as replay', () => {
  const lab = new Lab();
  let ns = '';
  let tmp = '';
  const sendable = new Map<string, string>();

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tw6-live-'));
    ns = lab.ns('replay');
    lab.veth(ns, 'tx0', ns, 'rx0');
    for (const f of captures) {
      if (f.startsWith('sll2')) {
        const out = join(tmp, f.replace(/\.pcap$/, '-as-ethernet.pcap'));
        sll2ToEthernet(join(PCAPS, f), out);
        sendable.set(f, out);
      } else sendable.set(f, plainCopy(tmp, f));
    }
  });

  afterAll(async () => {
    await lab.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the pcap-batch addon is built (npm ci builds it from native/pcap-batch)', () => {
    expect(backends).toContain('pcap-batch');
  });

  // Each backend with one pipeline, and pcap-batch with two workers (one kernel fanout group): the
  // workers' merge point orders their frames by time, so cross-flow state (a DNS answer naming a later
  // connection's address, host evidence) sees what one pipeline sees.
  const variants = [...backends.map((backend) => ({ backend, workers: 1 })), ...(backends.includes('pcap-batch') ? [{ backend: 'pcap-batch' as const, workers: 2 }] : [])];
  for (const { backend, workers } of variants) {
    for (const f of captures) {
      it(`${backend}${workers > 1 ? ` --workers ${workers}` : ''}: ${f}`, async () => {
        const replay = await runCli(['replay', ...NO_AGGREGATION, join(PCAPS, f)]);
        expect(replay.code, replay.stderr).toBe(0);

        const d = new Daemon(lab, ns, ['-i', 'rx0', '--capture-backend', backend, '--stats-interval', '0', '--workers', String(workers)]);
        await d.started();
        const { sent } = tcpreplay(lab, ns, 'tx0', sendable.get(f)!);
        expect(sent).toBeGreaterThan(0);
        // cap cannot drain the kernel buffer at stop; give it time to read what was sent.
        if (backend === 'cap') await sleep(300);
        expect(await d.stop()).toBe(0);

        const st = d.finalStats();
        const expected = sent;
        expect(st.packets, 'every packet tcpreplay sent was captured').toBe(expected);
        const ifs = st.interfaces[0];
        if (backend === 'pcap-batch') {
          expect(ifs.received).toBe(expected);
          expect(ifs.dropped).toBe(0);
          if (workers > 1) {
            // Per worker: its own handle's counters, which add up to the interface's.
            const per = (st as unknown as { workers: { worker: number; packets: number; captures: { received: number }[] }[] }).workers;
            expect(per.map((w) => w.worker)).toEqual([0, 1]);
            expect(per.reduce((a, w) => a + w.packets, 0)).toBe(expected);
            expect(per.reduce((a, w) => a + w.captures[0].received, 0)).toBe(expected);
          }
        } else {
          expect(ifs.received).toBeUndefined(); // cap has no pcap_stats
        }

        // The SLL2 capture went out as Ethernet (14-byte instead of 20-byte headers): bytes differ by design.
        const opts = { linkBytesDiffer: f.startsWith('sll2') };
        expect(d.alerts.map((a) => stable(a, opts)).sort()).toEqual(replay.alerts.map((a) => stable(a, opts)).sort());
        for (const a of d.alerts) {
          expect(field(a, 'observer.ingress.interface.name')).toBe('rx0');
          expect(String(field(a, 'event.id'))).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        }
      });
    }
  }
});
