/**
 * Issue 15 point 4: the README's one install step (scripts/install.sh) puts the command where
 * systemd/torwatch.service (and the Dockerfile) expect it, and `systemd-analyze verify` then passes.
 * Before, verify said "Command /usr/bin/torwatch is not executable".
 *
 * The install runs under a staging root (--root), and the checks run in a private mount namespace
 * (unshare -m) where that tree is laid over /usr/bin and /opt: the real system is never touched.
 * CI (.ci/run) also runs the install for real and verifies the installed unit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireUnderCi } from '../support/ci.js';
import { PCAPS, ROOT } from '../support/run-cli.js';

const isRoot = process.getuid?.() === 0;
requireUnderCi('install.sh tests', isRoot ? undefined : 'not root (the staged install runs in a private mount namespace)');
const stage = mkdtempSync(join(tmpdir(), 'ux-install-'));
afterAll(() => rmSync(stage, { recursive: true, force: true }));

/** Run a shell command in a private mount namespace with the staged /usr/bin and /opt laid over the real ones. */
function inStagedSystem(cmd: string, withCommand = true): { status: number | null; out: string } {
  // Without the command: CI has already run the install for real (.ci/run), so an empty /opt is laid
  // over the real one and /usr/bin/torwatch, if present, is a symlink to nowhere, as before any install.
  const mounts = withCommand
    ? `mount -t overlay overlay -o lowerdir=${stage}/usr/bin:/usr/bin /usr/bin && mount --bind ${stage}/opt /opt && `
    : 'mount -t tmpfs tmpfs /opt && ';
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${mounts}${cmd}`], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe.skipIf(!isRoot)('scripts/install.sh', () => {
  it('installs /opt/torwatch, /usr/bin/torwatch and the unit files', () => {
    const out = execFileSync('bash', [join(ROOT, 'scripts/install.sh'), '--root', stage], { encoding: 'utf8' });
    expect(out).toContain(`installed under ${stage}`);
    for (const f of ['opt/torwatch/dist/torwatch.js', 'opt/torwatch/data/relays/snapshot.json.gz', 'etc/systemd/system/torwatch.service', 'usr/lib/sysusers.d/torwatch.conf', 'etc/logrotate.d/torwatch', 'etc/torwatch/torwatch.yml']) {
      expect(existsSync(join(stage, f)), f).toBe(true);
    }
    expect(execFileSync('readlink', [join(stage, 'usr/bin/torwatch')], { encoding: 'utf8' }).trim()).toBe('/opt/torwatch/bin/torwatch.js');
    // Production dependencies only: the test runner and compiler stayed behind.
    expect(existsSync(join(stage, 'opt/torwatch/node_modules/vitest'))).toBe(false);
    expect(existsSync(join(stage, 'opt/torwatch/node_modules/pino'))).toBe(true);
    expect(readFileSync(join(stage, 'etc/systemd/system/torwatch.service'), 'utf8')).toContain('ExecStart=/usr/bin/torwatch capture');
  });

  it('systemd-analyze verify passes on the installed unit, without a warning; without the install it fails as the issue saw', () => {
    const unit = join(stage, 'etc/systemd/system/torwatch.service');
    const ok = inStagedSystem(`systemd-analyze verify ${unit}`);
    expect(ok.out).toBe('');
    expect(ok.status).toBe(0);
    const missing = inStagedSystem(`systemd-analyze verify ${unit}`, false);
    expect(missing.out).toContain('Command /usr/bin/torwatch is not executable');
    expect(missing.status).not.toBe(0);
  });

  it('the installed command runs: a replay with the built-in relay snapshot', () => {
    const r = inStagedSystem(`XDG_CACHE_HOME=${stage}/cache /usr/bin/torwatch replay --log-level error ${join(PCAPS, 'tor-port-mix.pcap')}`);
    expect(r.status, r.out).toBe(0);
    const alerts = r.out.trim().split('\n').map((l) => JSON.parse(l) as { rule: { id: string } });
    expect(alerts.map((a) => a.rule.id)).toEqual(Array(4).fill('tor-port-private'));
    expect(inStagedSystem(`XDG_CACHE_HOME=${stage}/cache /usr/bin/torwatch relays show`).out).toContain('built-in relay snapshot 2026-02-28');
  });

  it('README gives it as the install step, and CI runs it then verifies', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('sudo bash scripts/install.sh');
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^bash scripts\/install\.sh$/m);
    expect(ci).toMatch(/^systemd-analyze verify \/etc\/systemd\/system\/torwatch\.service$/m);
  });
});
