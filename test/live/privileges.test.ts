import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binForNobody, connectMany, Daemon, liveSuite, liveUnavailable } from './support.js';

/**
 * Least privilege, checked on the running process through /proc/PID/status: after opening the capture
 * as root, --user leaves no root ids, no supplementary groups and no capabilities; and the daemon also
 * runs as an unprivileged user holding only CAP_NET_RAW, as systemd/torwatch.service starts it
 * (emulated with setpriv, since no systemd runs here), and gives it up once capture is open
 * (test/live/capabilities.test.ts checks every thread).
 */
const unavailable = liveUnavailable();
const NOBODY = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
const NOGROUP = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());

function status(pid: number): Record<string, string> {
  return Object.fromEntries(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter(Boolean).map((l) => {
    const i = l.indexOf(':');
    return [l.slice(0, i), l.slice(i + 1).trim()];
  }));
}

describe.skipIf(unavailable !== undefined)('least privilege', () => {
  const live = liveSuite('tw6-priv-');
  const { lab } = live;

  it('--user nobody: capture opened as root, then no root ids, groups or capabilities; outputs are the user\'s', async () => {
    const logs = join(live.tmp, 'logs');
    mkdirSync(logs);
    chownSync(logs, NOBODY, NOGROUP);
    const out = join(logs, 'alerts.ndjson');
    const cfg = join(live.tmp, 'user.yml');
    writeFileSync(cfg, `interface: c0\nuser: nobody\noutput: ${out}\nstats-interval: 0\n`);
    const d = new Daemon(lab, live.client, ['-c', cfg]);
    await d.started();
    const dropped = d.logs.find((l) => l.msg === 'dropped privileges');
    expect(dropped?.uid).toBe(NOBODY);
    const s = status(d.pid);
    expect(s.Uid.split(/\s+/).map(Number)).toEqual([NOBODY, NOBODY, NOBODY, NOBODY]);
    expect(s.Gid.split(/\s+/).map(Number)).toEqual([NOGROUP, NOGROUP, NOGROUP, NOGROUP]);
    expect(s.Groups.split(/\s+/).filter(Boolean).map(Number)).toEqual([NOGROUP]);
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb']) expect(s[k], k).toBe('0000000000000000');
    // Capture still works after the drop, and the output file belongs to the user.
    await connectMany(lab, live.client, 2);
    // A reload re-reads the config as the user (it is root's, 0644: readable, trusted).
    d.signal('SIGHUP');
    await d.waitLog((l) => l.msg === 'reload complete');
    expect(await d.stop()).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(2);
    expect(statSync(out).uid).toBe(NOBODY);
  });

  it('--user: outputs are opened after the drop, so a place only root can write is refused', async () => {
    const rootOnly = join(live.tmp, 'root-only');
    mkdirSync(rootOnly, { mode: 0o755 });
    const d = new Daemon(lab, live.client, ['-i', 'c0', '--user', 'nobody', '-o', join(rootOnly, 'alerts.ndjson')]);
    expect(await d.exited).toBe(2);
    expect(d.stderrText).toContain('cannot open output file: permission denied');
  });

  it('a spool directory another user owns is refused at start-up: exit 2, one line naming it (issue 14 point 7)', async () => {
    const spool = join(live.tmp, 'nobody-spool');
    mkdirSync(spool, { mode: 0o700 });
    chownSync(spool, NOBODY, NOGROUP);
    const d = new Daemon(lab, live.client, ['-i', 'c0', '-o', `syslog+tcp://127.0.0.1:6514?spool-dir=${spool}`]);
    expect(await d.exited).toBe(2);
    expect(d.stderrText.split('\n').filter((l) => l.startsWith('torwatch: '))).toEqual([`torwatch: ${spool}: refusing the spool directory: it is owned by uid ${NOBODY}, not by the user running torwatch (uid 0); chown it`]);
  });

  it('--user with an unknown user is refused before anything runs', async () => {
    const d = new Daemon(lab, live.client, ['-i', 'c0', '--user', 'tw6-no-such-user']);
    expect(await d.exited).toBe(2);
    expect(d.stderrText.trim()).toBe("torwatch: --user tw6-no-such-user: no such user 'tw6-no-such-user'");
  });

  it('runs as an unprivileged user with only CAP_NET_RAW (the systemd unit\'s way), and drops it once capture is open', async () => {
    const out = join(live.tmp, 'caps.ndjson');
    writeFileSync(out, '');
    chownSync(out, NOBODY, NOGROUP);
    const d = new Daemon(lab, live.client, ['-i', 'c0', '-o', out, '--stats-interval', '0'], {
      bin: binForNobody(live.tmp),
      wrap: ['setpriv', '--reuid', String(NOBODY), '--regid', String(NOGROUP), '--clear-groups', '--inh-caps', '-all,+net_raw', '--ambient-caps', '+net_raw', '--bounding-set', '-all,+net_raw', '--no-new-privs'],
    });
    await d.started();
    const s = status(d.pid);
    expect(s.Uid.split(/\s+/).map(Number)).toEqual([NOBODY, NOBODY, NOBODY, NOBODY]);
    // CAP_NET_RAW (bit 13, 0x2000) opened the capture and is gone; the bounding set keeps only it
    // (shrinking it needs CAP_SETPCAP, which the service user never had).
    for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb']) expect(s[k], k).toBe('0000000000000000');
    expect(s.CapBnd).toBe('0000000000002000');
    expect(s.NoNewPrivs).toBe('1');
    expect(d.logs.some((l) => l.msg?.startsWith('running as root') === true)).toBe(false);
    await connectMany(lab, live.client, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(await d.stop()).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(1);
  });

  it('without CAP_NET_RAW the capture is refused with a hint, status 2', async () => {
    const d = new Daemon(lab, live.client, ['-i', 'c0'], { wrap: ['setpriv', '--inh-caps', '-all', '--bounding-set', '-net_raw,-net_admin'] });
    expect(await d.exited).toBe(2);
    expect(d.stderrText).toMatch(/^torwatch: -i c0: permission denied .*CAP_NET_RAW/);
  });
});
