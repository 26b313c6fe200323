import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PCAPS, runCli } from '../support/run-cli.js';
import { Daemon, field, Lab, liveUnavailable, NO_AGGREGATION, stable, tcpreplay } from './support.js';

/**
 * Several -i: one pipeline, each alert naming the interface its packet came in on
 * (observer.ingress.interface.name), per-interface packet counts in the stats.
 */
const unavailable = liveUnavailable();
const MIX = join(PCAPS, 'tor-port-mix.pcap');

/** Wire lengths of every frame, from tshark (an independent reader). */
function frameLengths(file: string): number[] {
  return execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.len'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
}

/** The expected alerts of a capture (pcaps/expected, derived with tshark). */
function expected(file: string): Record<string, unknown>[] {
  return readFileSync(join(PCAPS, 'expected', `${file}.alerts.ndjson`), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe.skipIf(unavailable !== undefined)('capture on two interfaces at once', () => {
  const lab = new Lab();
  let ns = '';

  beforeAll(() => {
    ns = lab.ns('multi');
    lab.veth(ns, 'txa', ns, 'rxa');
    lab.veth(ns, 'txb', ns, 'rxb');
  });

  afterAll(() => lab.cleanup());

  // One pipeline, and two live workers (each with a handle on both interfaces, one fanout group per interface).
  for (const workers of [1, 2]) {
    it(`alerts carry the interface they were seen on, and match replay of each capture (--workers ${workers})`, async () => {
      const d = new Daemon(lab, ns, ['-i', 'rxa', '-i', 'rxb', '--stats-interval', '0', '--workers', String(workers)]);
      const started = await d.started();
      expect((started.interfaces as { name: string }[]).map((i) => i.name)).toEqual(['rxa', 'rxb']);
      const a = tcpreplay(lab, ns, 'txa', join(PCAPS, 'tor-port-mix.pcap'));
      const b = tcpreplay(lab, ns, 'txb', join(PCAPS, 'tunnel-vxlan.pcap'));
      expect(await d.stop()).toBe(0);

      const ra = await runCli(['replay', ...NO_AGGREGATION, join(PCAPS, 'tor-port-mix.pcap')]);
      const rb = await runCli(['replay', ...NO_AGGREGATION, join(PCAPS, 'tunnel-vxlan.pcap')]);
      const onA = d.alerts.filter((x) => field(x, 'observer.ingress.interface.name') === 'rxa');
      const onB = d.alerts.filter((x) => field(x, 'observer.ingress.interface.name') === 'rxb');
      expect(onA.length + onB.length).toBe(d.alerts.length);
      // Flow ids count across both interfaces here (one pipeline), so compare without them.
      const s = (x: Record<string, unknown>): string => {
        const c = JSON.parse(stable(x)) as { torwatch?: { flow?: unknown } };
        delete c.torwatch?.flow;
        return JSON.stringify(c);
      };
      expect(onA.map(s).sort()).toEqual(ra.alerts.map(s).sort());
      expect(onB.map(s).sort()).toEqual(rb.alerts.map(s).sort());
      for (const x of onA) expect(field(x, 'torwatch.input.name')).toBe('rxa');

      const st = d.finalStats();
      expect(st.interfaces.map((i) => [i.interface, i.packets])).toEqual([['rxa', a.sent], ['rxb', b.sent]]);
    });

    it(`an unknown interface is refused at start with one line and status 2 (--workers ${workers})`, async () => {
      const d = new Daemon(lab, ns, ['-i', 'rxa', '-i', 'nosuch0', '--workers', String(workers)]);
      expect(await d.exited).toBe(2);
      expect(d.stderrText.trim()).toBe('torwatch: -i nosuch0: no such interface (see `torwatch interfaces`)');
    });
  }

  it('a bad --bpf filter is refused at start naming the option', async () => {
    const d = new Daemon(lab, ns, ['-i', 'rxa', '--bpf', 'tcp and and']);
    expect(await d.exited).toBe(2);
    expect(d.stderrText).toMatch(/^torwatch: --bpf: .*syntax error/);
  });

  it('--bpf keeps only what it matches', async () => {
    const d = new Daemon(lab, ns, ['-i', 'rxa', '--bpf', 'tcp dst port 9030', '--stats-interval', '0']);
    await d.started();
    tcpreplay(lab, ns, 'txa', MIX);
    expect(await d.stop()).toBe(0);
    const want = expected('tor-port-mix.pcap').filter((x) => x['destination.port'] === 9030);
    expect(want.length).toBeGreaterThan(0);
    expect(d.alerts.map((x) => `${String(field(x, 'source.ip'))}:${String(field(x, 'source.port'))}`).sort()).toEqual(want.map((x) => `${String(x['source.ip'])}:${String(x['source.port'])}`).sort());
    const st = d.finalStats();
    expect(st.packets).toBeGreaterThan(0);
    expect(st.packets).toBeLessThan(frameLengths(MIX).length);
  });

  it('--snaplen cuts packets (caplen) but keeps their wire length', async () => {
    const d = new Daemon(lab, ns, ['-i', 'rxa', '--snaplen', '96', '--stats-interval', '0', '--promisc', 'off']);
    await d.started();
    const sent = tcpreplay(lab, ns, 'txa', MIX);
    expect(await d.stop()).toBe(0);
    const st = d.finalStats();
    const lens = frameLengths(MIX);
    expect(st.packets).toBe(sent.sent);
    // bytes count wire lengths: the same as without a snap length ...
    expect(st.bytes).toBe(lens.reduce((a, b) => a + b, 0));
    // ... while what was captured (and handed over with a 16-byte header each) was cut at 96 bytes.
    const i0 = st.interfaces[0];
    if (i0.backend === 'pcap-batch') expect(i0.deliveredBytes).toBe(lens.reduce((a, b) => a + 16 + Math.min(96, b), 0));
    expect(d.alerts.length).toBe(expected('tor-port-mix.pcap').length);
  });
});
