import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.js';

/**
 * systemd/torwatch.service checked by systemd's own tools. `systemd-analyze verify` also checks that
 * ExecStart's program exists, and /usr/bin/torwatch is where a package installs it, not where CI has
 * it: the check runs on a copy whose ExecStart points at this checkout's bin/torwatch.js. verify exits 0
 * even for unknown keys or bad values (it only warns), so its output must be empty too.
 */
const UNIT = join(ROOT, 'systemd/torwatch.service');
const tmp = mkdtempSync(join(tmpdir(), 'tw6-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function unitCopy(name: string, edit: (s: string) => string = (s) => s): string {
  const p = join(tmp, name);
  writeFileSync(p, edit(readFileSync(UNIT, 'utf8').replaceAll('/usr/bin/torwatch', join(ROOT, 'bin/torwatch.js'))));
  return p;
}

describe('systemd unit', () => {
  it('systemd-analyze verify passes without a single warning', () => {
    const r = spawnSync('systemd-analyze', ['verify', unitCopy('torwatch.service')], { encoding: 'utf8' });
    expect(r.error, 'systemd-analyze is installed (apt: systemd)').toBeUndefined();
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the check would catch a mistake (an unknown key, a bad value)', () => {
    const bad = unitCopy('torwatch-bad.service', (s) => s.replace('NoNewPrivileges=yes', 'NoNewPrivileges=perhaps').replace('[Install]', 'Bogus=1\n[Install]'));
    const r = spawnSync('systemd-analyze', ['verify', bad], { encoding: 'utf8' });
    expect(r.stderr).toContain("Failed to parse boolean value, ignoring: perhaps");
    expect(r.stderr).toContain("Unknown key 'Bogus'");
  });

  it('has what the issues ask for: hardening, only CAP_NET_RAW, a system-call filter, no devices, memory limits, state and logs directories, reload by HUP', () => {
    const u = readFileSync(UNIT, 'utf8');
    for (const line of [
      'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes',
      'CapabilityBoundingSet=CAP_NET_RAW', 'AmbientCapabilities=CAP_NET_RAW',
      'SystemCallFilter=@system-service', 'SystemCallErrorNumber=EPERM', 'PrivateDevices=yes', 'ProtectKernelTunables=yes',
      'ProtectKernelModules=yes', 'ProtectKernelLogs=yes', 'RestrictAddressFamilies=AF_PACKET AF_INET AF_INET6 AF_UNIX AF_NETLINK',
      'MemoryMax=1G',
      'StateDirectory=torwatch', 'LogsDirectory=torwatch', 'Restart=on-failure', 'ExecReload=/bin/kill -HUP $MAINPID',
      'User=torwatch',
    ]) expect(u.split('\n'), line).toContain(line);
  });

  it('systemd-analyze security rates the unit at 2.5 or better (issue 14; it was 3.8)', () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--threshold=25', unitCopy('torwatch.service')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const m = /Overall exposure level for torwatch\.service: (\d+\.\d)/.exec(r.stdout);
    expect(Number(m?.[1])).toBeLessThanOrEqual(2.5);
    // The capability torwatch drops itself is still allowed by the filter (capset), and nothing else privileged.
    expect(r.stdout).toMatch(/SystemCallFilter=~@privileged .*capset is allowed/);
    expect(r.stdout).not.toMatch(/✗ SystemCallFilter=~@(mount|module|raw-io|reboot|swap|debug|clock|resources)/);
  });

  it('the sysusers.d snippet declares the torwatch user the unit runs as', () => {
    const s = readFileSync(join(ROOT, 'systemd/torwatch-sysusers.conf'), 'utf8');
    expect(s).toMatch(/^u torwatch - ".+" \/var\/lib\/torwatch \/usr\/sbin\/nologin$/m);
  });
});

describe('logrotate snippet', () => {
  it('logrotate parses it without errors', () => {
    // The torwatch user does not exist on a CI machine: check a copy that names root instead.
    const p = join(tmp, 'torwatch.logrotate');
    writeFileSync(p, readFileSync(join(ROOT, 'systemd/torwatch.logrotate'), 'utf8').replaceAll('torwatch torwatch', 'root root'), { mode: 0o644 });
    const r = spawnSync('logrotate', ['-d', '-s', join(tmp, 'state'), p], { encoding: 'utf8' });
    expect(r.error, 'logrotate is installed').toBeUndefined();
    expect(r.stdout + r.stderr).not.toMatch(/error:/);
    expect(r.stdout + r.stderr).toContain('/var/log/torwatch/*.ndjson');
    expect(r.status).toBe(0);
  });
});
