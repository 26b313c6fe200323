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
 * privilege model (root only for the entrypoint's setpriv, which execs torwatch as the torwatch user
 * with CAP_NET_RAW ambient and nothing else; no file capability on node) is rebuilt here from the
 * ENTRYPOINT and HEALTHCHECK lines and run against a real interface.
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

  it('the runtime stage gives CAP_NET_RAW to the sensor process, not to the node binary: setpriv in the ENTRYPOINT, no setcap, no USER', () => {
    const all = runtime.lines.join('\n');
    expect(dockerfile).not.toMatch(/setcap/);
    expect(runtime.lines.filter((l) => l.startsWith('USER '))).toEqual([]);
    const entry = JSON.parse(runtime.lines.find((l) => l.startsWith('ENTRYPOINT '))!.slice(11)) as string[];
    expect(entry.slice(0, entry.indexOf('--'))).toEqual(['setpriv', '--reuid=torwatch', '--regid=torwatch', '--clear-groups', '--inh-caps=-all,+net_raw', '--ambient-caps=-all,+net_raw', '--bounding-set=-all,+net_raw', '--no-new-privs']);
    expect(entry.slice(entry.indexOf('--') + 1)).toEqual(['node', '/opt/torwatch/bin/torwatch.js']);
    expect(all).toMatch(/useradd --system --gid torwatch /);
    expect(aptPackages(all)).toContain('libpcap0.8');
    const hc = runtime.lines.find((l) => l.startsWith('HEALTHCHECK'))!;
    const hcCmd = JSON.parse(hc.slice(hc.indexOf('CMD') + 4)) as string[];
    expect(hcCmd.slice(0, 2)).toEqual(['setpriv', '--reuid=torwatch']);
    expect(hcCmd).toContain('--bounding-set=-all');
    expect(hcCmd.slice(hcCmd.indexOf('--') + 1)).toEqual(['node', '/opt/torwatch/bin/torwatch.js', 'health', '--metrics', '127.0.0.1:9464']);
    // The runtime packages exist in Debian 12 (this CI machine is Debian 12), and setpriv comes with
    // util-linux, which every Debian image has (Essential: yes).
    for (const p of aptPackages(all)) {
      expect(spawnSync('apt-cache', ['show', p], { encoding: 'utf8' }).status, `apt-cache show ${p}`).toBe(0);
    }
    expect(spawnSync('apt-cache', ['show', 'util-linux'], { encoding: 'utf8' }).stdout).toMatch(/^Essential: yes$/m);
  });

  it('README documents the docker run line', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/docker run [^\n]*--net=host [^\n]*--cap-drop=ALL [^\n]*--cap-add=NET_RAW/);
    expect(readme).toMatch(/cap_add:\s*\n\s*- NET_RAW/);
  });
});

const unavailable = liveUnavailable();

describe.skipIf(unavailable !== undefined)("the runtime stage's privilege model, rebuilt here", () => {
  const lab = new Lab('tw14h');
  const tmp = mkdtempSync(join(tmpdir(), 'tw6-image-'));
  afterAll(async () => {
    await lab.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the ENTRYPOINT, run as the container\'s root with Docker\'s default capabilities, captures as torwatch holding only CAP_NET_RAW (then nothing); the HEALTHCHECK passes', async () => {
    chmodSync(tmp, 0o755);
    // COPY --from=build ... /opt/torwatch: the same directories the runtime stage copies.
    const opt = join(tmp, 'opt/torwatch');
    mkdirSync(opt, { recursive: true });
    for (const d of ['package.json', 'bin', 'dist', 'data', 'native', 'node_modules']) cpSync(join(ROOT, d), join(opt, d), { recursive: true, verbatimSymlinks: true });
    // The image's node carries no file capability.
    expect(execFileSync('getcap', [process.execPath], { encoding: 'utf8' })).toBe('');
    const user = spawnSync('id', ['-u', 'torwatch']).status === 0 ? 'torwatch' : 'nobody';
    const mapArgs = (cmd: string[]): string[] => cmd.map((a) => (a === 'node' ? process.execPath : a.replace('/opt/torwatch', opt).replace(/=torwatch$/, `=${user === 'nobody' ? (a.startsWith('--regid') ? 'nogroup' : 'nobody') : 'torwatch'}`)));
    const entry = mapArgs(JSON.parse(runtime.lines.find((l) => l.startsWith('ENTRYPOINT '))!.slice(11)) as string[]);

    const ns = clientServer(lab);
    await startTcpServer(lab, ns.server);
    // The container: root, with Docker's default capability set as its bounding and permitted sets.
    const docker = 'chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap';
    const container = ['setpriv', '--inh-caps', '-all', '--bounding-set', `-all,${docker.split(',').map((c) => `+${c}`).join(',')}`];
    const d = new Daemon(lab, ns.client, ['-i', 'c0', '--metrics', '127.0.0.1:9464', '--stats-interval', '0'], {
      wrap: [...container, ...entry.slice(0, entry.indexOf('--') + 1)],
      node: entry[entry.indexOf('--') + 1],
      bin: entry[entry.indexOf('--') + 2],
    });
    await d.started();
    const status = readFileSync(`/proc/${d.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    expect(/^CapBnd:\s+(\S+)$/m.exec(status)?.[1]).toBe('0000000000002000'); // CAP_NET_RAW only
    expect(/^CapEff:\s+(\S+)$/m.exec(status)?.[1]).toBe('0000000000000000'); // and dropped once capture is open
    expect(/^NoNewPrivs:\s+(\S+)$/m.exec(status)?.[1]).toBe('1');
    await connectMany(lab, ns.client, 1);
    await d.waitAlerts(1);
    // HEALTHCHECK CMD, with the image's paths mapped onto this copy.
    const hc = runtime.lines.find((l) => l.startsWith('HEALTHCHECK'))!;
    const args = mapArgs(JSON.parse(hc.slice(hc.indexOf('CMD') + 4)) as string[]);
    const health = spawnSync('ip', ['netns', 'exec', ns.client, ...container, ...args], { encoding: 'utf8' });
    expect(health.status, health.stderr).toBe(0);
    expect(health.stdout).toContain('"status":"ok"');
    await sleep(50);
    expect(await d.stop()).toBe(0);
  });
});
