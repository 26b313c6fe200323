/**
 * Issue 15 point 6: summary alerts (repeats folded by the suppression window) are told apart from
 * detections by the ECS fields a SIEM rule filters on, and by the syslog MSGID, as a real rsyslog
 * receiver parses it. Before, both were event.kind alert in dataset torwatch.alert with MSGID = rule id,
 * so a rule keyed on rule.id fired once for the detection and again for its summary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { freePort, readFields, readLines, Rsyslog, waitLines } from '../support/receivers.js';
import { field, runCli } from '../support/run-cli.js';

let dir: string;
let rx: Rsyslog;
let port: number;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ux-summary-'));
  port = await freePort();
  rx = new Rsyslog(join(dir, 'rx'), [{ name: 'udp', kind: 'udp', port }]);
  await rx.start();
});
afterAll(async () => {
  await rx?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('summary alerts are distinct from detections', () => {
  it('event.kind event / dataset torwatch.summary / type info with the count; MSGID <rule>.summary', async () => {
    // 3 keys x 10 connections, 60 s apart: within one window, so each key gives 1 detection + 1 summary.
    const cap = join(dir, 'repeats.pcap');
    writeFileSync(cap, alertingCapture({ flows: 30, keyOf: (i) => i % 3, spacingUs: 60_000_000 }).bytes);
    const file = join(dir, 'alerts.ndjson');
    const r = await runCli(['replay', '-o', file, '-o', `syslog+udp://127.0.0.1:${port}`, cap], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const alerts = readLines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    const detections = alerts.filter((a) => field(a, 'event.kind') === 'alert');
    const summaries = alerts.filter((a) => field(a, 'event.kind') === 'event');
    expect(detections).toHaveLength(3);
    expect(summaries).toHaveLength(3);
    for (const d of detections) {
      expect(field(d, 'event.dataset')).toBe('torwatch.alert');
      expect(field(d, 'event.type')).toEqual(['connection', 'allowed']);
      expect(field(d, 'torwatch.aggregate')).toBeUndefined();
    }
    for (const s of summaries) {
      expect(field(s, 'event.dataset')).toBe('torwatch.summary');
      expect(field(s, 'event.type')).toEqual(['info']);
      expect(field(s, 'rule.id')).toBe('tor-port-private');
      expect(field(s, 'torwatch.aggregate.count')).toBe(10);
      expect(detections.map((d) => field(d, 'event.id'))).toContain(field(s, 'torwatch.aggregate.first_event_id'));
    }
    // A SIEM rule "event.kind:alert AND rule.id:tor-port-private" fires once per detection only.
    expect(alerts.filter((a) => field(a, 'event.kind') === 'alert' && field(a, 'rule.id') === 'tor-port-private')).toHaveLength(3);

    await waitLines(rx.fields('udp'), 6);
    const got = readFields(rx.fields('udp'));
    expect(got.map((f) => f.msgid).sort()).toEqual([...Array(3).fill('tor-port-private'), ...Array(3).fill('tor-port-private.summary')]);
    for (const f of got) {
      const doc = JSON.parse(f.msg.replace(/^\uFEFF/, '')) as Record<string, unknown>;
      expect(f.msgid.endsWith('.summary')).toBe(field(doc, 'event.kind') === 'event');
    }
  });

  it('torwatch report still reads summaries (and counts their repeats)', async () => {
    const r = await runCli(['report', '--json', join(dir, 'alerts.ndjson')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout) as { inputs: { alerts: number; skipped: number }; hosts: { connections: number; alerts: number }[] };
    expect(rep.inputs).toMatchObject({ alerts: 6, skipped: 0 });
    // Each summary stands for 9 repeats, each its own connection: 1 + 9 per key.
    expect(rep.hosts.map((h) => [h.connections, h.alerts])).toEqual([[10, 10], [10, 10], [10, 10]]);
  });
});
