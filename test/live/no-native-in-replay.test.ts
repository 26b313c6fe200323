import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PCAPS, runCli } from '../support/run-cli.js';

/**
 * The native seam: replay must never load native code, and work where no addon could be built. A
 * preloaded hook makes every native addon load (process.dlopen) fail, as on a machine without them.
 */
const tmp = mkdtempSync(join(tmpdir(), 'tw6-nonative-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const hook = join(tmp, 'no-dlopen.cjs');
writeFileSync(hook, "process.dlopen = (m, f) => { require('fs').writeSync(2, 'DLOPEN ' + f + '\\n'); throw new Error('native addons are unavailable here'); };\n");
const env = { NODE_OPTIONS: `--require ${hook}` };

describe('replay never loads native code', () => {
  it('replay works with every native addon load failing, and attempts none', async () => {
    const r = await runCli(['replay', join(PCAPS, 'tor-port-mix.pcap')], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('DLOPEN');
    expect(r.alerts.length).toBeGreaterThan(0);
  });

  it('capture without any native backend says what is missing, in one line, status 2', async () => {
    const r = await runCli(['capture', '-i', 'lo'], { env, text: true });
    expect(r.code).toBe(2);
    const line = r.stderr.split('\n').filter((l) => l.startsWith('torwatch:'));
    expect(line.length).toBe(1);
    expect(line[0]).toMatch(/^torwatch: live capture is not available: the pcap-batch addon \(native\/pcap-batch\) is not built.*; the optional `cap` package is not installed or did not build/);
  });

  it('interfaces lists devices through the addon (loopback is always there)', async () => {
    const r = await runCli(['interfaces', '--json'], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const devs = JSON.parse(r.stdout) as { name: string; flags: string[] }[];
    expect(devs.find((d) => d.name === 'lo')?.flags).toContain('loopback');
    const t = await runCli(['interfaces'], { text: true });
    expect(t.stdout.split('\n')[0]).toMatch(/^INTERFACE\s+FLAGS\s+ADDRESSES\s+DESCRIPTION$/);
    expect(t.stdout).toMatch(/^lo\s+loopback,up,running\s+127\.0\.0\.1/m);
  });
});
