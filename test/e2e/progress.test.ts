import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PCAPS, runCli } from '../support/run-cli.js';

describe('progress bar', () => {
  it('draws on stderr with --progress always, never on stdout, and clears its line', async () => {
    const r = await runCli(['replay', '--progress', 'always', join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r\S*tor-port-mix\.pcap #+ 100% .*\d+ packets, \d+ alerts/);
    expect(r.stderr).toContain('\r\x1b[K');
    expect(r.alerts).toHaveLength(4);
    expect(r.stdout).not.toContain('\r');
  });

  it('stays off when stderr is not a terminal (auto), as in CI and pipes', async () => {
    const r = await runCli(['replay', join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.stderr).not.toContain('\r');
  });
});
