import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.js';
import { clientServer, connectMany, Daemon, Lab, liveUnavailable, sleep, startTcpServer } from '../live/support.js';

/**
 * No Docker engine runs here, so the Dockerfile is kept honest two ways: its build stage must run the
 * same install steps as .ci/run (which CI runs for real on every push), and its runtime stage's
 * privilege model (a non-root user, CAP_NET_RAW as a file capability on node, nothing else) is
 * rebuilt here step by step and run against a real interface, with the HEALTHCHECK command.
 */
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const ciRun = readFileSync(join(ROOT, '.ci/run'), 'utf8');

/** Instructions per stage, with line continuations joined. */
function stages(text: string): { from: string; lines: string[] }[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: { from: string; lines: string[] }[] = [];
  for (const l of joined) {
    if (l.startsWith('FROM ')) out.push({ from: l.slice(5), lines: [] });
    else out[out.length - 1]?.lines.push(l);
  }
  return out;
}

/** Package names from `apt-get install ...` commands (options dropped). */
function aptPackages(text: string): string[] {
  const flat = text.replace(/\\\n/g, ' ');
  return [...flat.matchAll(/apt-get install ([^&;\n>]*)/g)].flatMap((m) => m[1].split(/\s+/).filter((w) => w && !w.startsWith('-')));
}

const [build, runtime] = stages(dockerfile);

describe('Dockerfile', () => {
  it('is two stages on Debian 12 with Node.js 20 (as CI): a build stage and a slim runtime', () => {
    expect(stages(dockerfile).length).toBe(2);
    expect(build.from).toBe('node:20-bookworm AS build');
    expect(runtime.from).toBe('node:20-bookworm-slim');
  });

  it('the build stage installs nothing .ci/run does not, and runs the same npm ci', () => {
    const ci = new Set(aptPackages(ciRun));
    const wanted = aptPackages(build.lines.join('\n'));
    expect(wanted).toContain('libpcap-dev');
    for (const p of wanted) expect(ci.has(p), `${p} is installed by .ci/run too`).toBe(true);
    const npmCi = /npm ci [^\n&]*/.exec(build.lines.join('\n'))?.[0].trim();
    expect(npmCi).toBe('npm ci --no-audit --no-fund');
    expect(ciRun).toMatch(/^npm ci --no-audit --no-fund$/m);
  });

  it('the runtime stage runs as a non-root user, with libpcap and a HEALTHCHECK that asks `torwatch health`', () => {
    const users = runtime.lines.filter((l) => l.startsWith('USER '));
    expect(users.length).toBe(1);
    expect(users[0]).toBe('USER torwatch');
    expect(aptPackages(runtime.lines.join('\n'))).toContain('libpcap0.8');
    const hc = runtime.lines.find((l) => l.startsWith('HEALTHCHECK'));
    expect(hc).toMatch(/CMD \["node", "\/opt\/torwatch\/bin\/torwatch\.js", "health", "--metrics", "127\.0\.0\.1:9464"\]/);
    // The runtime packages exist in Debian 12 (this CI machine is Debian 12).
    for (const p of aptPackages(runtime.lines.join('\n'))) {
      expect(spawnSync('apt-cache', ['show', p], { encoding: 'utf8' }).status, `apt-cache show ${p}`).toBe(0);
    }
  });

  it('README documents the docker run line', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/docker run [^\n]*--net=host [^\n]*--cap-add=NET_RAW/);
  });
});

const unavailable = liveUnavailable();

describe.skipIf(unavailable !== undefined)("the runtime stage's privilege model, rebuilt here", () => {
  const lab = new Lab();
  const tmp = mkdtempSync(join(tmpdir(), 'tw6-image-'));
  afterAll(async () => {
    await lab.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('node with the Dockerfile\'s file capability, as an unprivileged user with no other capability, captures and passes its HEALTHCHECK', async () => {
    chmodSync(tmp, 0o755);
    // COPY --from=build ... /opt/torwatch: the same directories the runtime stage copies.
    const opt = join(tmp, 'opt/torwatch');
    mkdirSync(opt, { recursive: true });
    for (const d of ['package.json', 'bin', 'dist', 'data', 'native', 'node_modules']) cpSync(join(ROOT, d), join(opt, d), { recursive: true, verbatimSymlinks: true });
    // RUN setcap ... /usr/local/bin/node: the capability line from the Dockerfile, on a copy of node.
    const setcap = /setcap (\S+) \/usr\/local\/bin\/node/.exec(runtime.lines.join('\n'));
    expect(setcap?.[1]).toBe('cap_net_raw+ep');
    const node = join(tmp, 'node');
    cpSync(process.execPath, node);
    chmodSync(node, 0o755);
    execFileSync('setcap', [setcap![1], node]);
    expect(execFileSync('getcap', [node], { encoding: 'utf8' })).toContain('cap_net_raw=ep');

    const ns = clientServer(lab);
    await startTcpServer(lab, ns.server);
    // USER torwatch: an unprivileged user, no inherited or ambient capabilities; Docker's default
    // bounding set (which includes NET_RAW) stands in for the container's.
    const docker = 'chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap';
    const d = new Daemon(lab, ns.client, ['-i', 'c0', '--metrics', '127.0.0.1:9464', '--stats-interval', '0'], {
      wrap: ['setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', '--inh-caps', '-all', '--bounding-set', `-all,${docker.split(',').map((c) => `+${c}`).join(',')}`],
      node,
      bin: join(opt, 'bin/torwatch.js'),
    });
    await d.started();
    const status = readFileSync(`/proc/${d.pid}/status`, 'utf8');
    expect(/^CapEff:\s+(\S+)$/m.exec(status)?.[1]).toBe('0000000000002000'); // CAP_NET_RAW only
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).not.toBe('0');
    await connectMany(lab, ns.client, 1);
    await d.waitAlerts(1);
    // HEALTHCHECK CMD, with the image's paths mapped onto this copy.
    const hc = runtime.lines.find((l) => l.startsWith('HEALTHCHECK'))!;
    const cmd = JSON.parse(hc.slice(hc.indexOf('CMD') + 4)) as string[];
    const args = cmd.map((a) => (a === 'node' ? node : a.replace('/opt/torwatch', opt)));
    const health = spawnSync('ip', ['netns', 'exec', ns.client, 'setpriv', '--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', ...args], { encoding: 'utf8' });
    expect(health.status, health.stderr).toBe(0);
    expect(health.stdout).toContain('"status":"ok"');
    await sleep(50);
    expect(await d.stop()).toBe(0);
  });
});
