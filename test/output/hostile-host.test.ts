/**
 * Issue 14, point 7: a local user plants links and files where torwatch (possibly root) writes. Each
 * attack from the review is reproduced for real: the spool, the alert file and the relay cache refuse
 * it with one line naming the path, and the file the attacker aimed at is untouched.
 */
import { chmodSync, chownSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RelayCache } from '../../src/intel/relays/cache.js';
import { DiskSpool } from '../../src/output/spool.js';
import { crc32 } from '../../src/util/crc32.js';
import { UserError } from '../../src/util/errors.js';
import { PCAPS, runCli } from '../support/run-cli.js';

/** uid/gid of `nobody` (Debian: 65534), the "other local user" of these attacks. */
const NOBODY = 65534;

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tw14h-host-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A file the attacker wants overwritten or truncated (think /etc/shadow), with its content. */
function victim(dir: string): { path: string; content: string } {
  const path = join(dir, 'precious');
  const content = 'root:$6$do-not-touch:19000:0:99999:7:::\n';
  writeFileSync(path, content, { mode: 0o600 });
  return { path, content };
}

/** A spool record as spool.ts writes it: [u32 length][u32 CRC-32][payload], big-endian. */
function record(payload: string): Buffer {
  const p = Buffer.from(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(p.length, 0);
  head.writeUInt32BE(crc32(p), 4);
  return Buffer.concat([head, p]);
}

/** stderr without the JSON log lines: what the user reads as the error. */
const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));

const msg = (i: number): Buffer => Buffer.from(`<14>1 - host torwatch - - - alert ${i}`);

describe('the spool refuses planted files', () => {
  it('a planted ack.tmp symlink: the ack is written through a random, exclusively created name; the target is untouched', () => {
    const dir = tmp();
    const spool = join(dir, 'spool');
    mkdirSync(spool, { mode: 0o700 });
    const v = victim(dir);
    symlinkSync(v.path, join(spool, 'ack.tmp'));
    const s = DiskSpool.open({ dir: spool, maxBytes: 1 << 20 });
    s.append([msg(1), msg(2)]);
    const b = s.read(1 << 20)!;
    s.commit(b.end, b.records.length);
    s.close();
    expect(readFileSync(v.path, 'utf8')).toBe(v.content);
    expect(lstatSync(join(spool, 'ack')).isFile()).toBe(true);
    expect(readdirSync(spool).filter((f) => f.endsWith('.tmp') && f !== 'ack.tmp')).toEqual([]);
  });

  it('a planted ack symlink is refused at open, naming it', () => {
    const dir = tmp();
    const spool = join(dir, 'spool');
    mkdirSync(spool, { mode: 0o700 });
    const v = victim(dir);
    symlinkSync(v.path, join(spool, 'ack'));
    expect(() => DiskSpool.open({ dir: spool, maxBytes: 1 << 20 })).toThrow(`${join(spool, 'ack')}: refusing the spool ack file: it is a symbolic link`);
    expect(readFileSync(v.path, 'utf8')).toBe(v.content);
  });

  it('a planted segment symlink (which a torn-tail cut would truncate) is refused; the target keeps every byte', () => {
    const dir = tmp();
    const spool = join(dir, 'spool');
    mkdirSync(spool, { mode: 0o700 });
    const v = victim(dir);
    symlinkSync(v.path, join(spool, '000000000001.seg'));
    const seg = join(spool, '000000000001.seg');
    expect(() => DiskSpool.open({ dir: spool, maxBytes: 1 << 20 })).toThrow(`${seg}: refusing the spool segment: it is a symbolic link`);
    expect(readFileSync(v.path, 'utf8')).toBe(v.content);
  });

  it('a planted segment hard link is refused too', () => {
    const dir = tmp();
    const spool = join(dir, 'spool');
    mkdirSync(spool, { mode: 0o700 });
    const v = victim(spool);
    linkSync(v.path, join(spool, '000000000001.seg'));
    expect(() => DiskSpool.open({ dir: spool, maxBytes: 1 << 20 })).toThrow(/000000000001\.seg: refusing the spool segment: it has 2 hard links/);
    expect(readFileSync(v.path, 'utf8')).toBe(v.content);
  });

  it('a spool directory owned by nobody, holding a record with a valid CRC, is refused (the record is never read)', () => {
    const spool = join(tmp(), 'spool');
    mkdirSync(spool, { mode: 0o700 });
    writeFileSync(join(spool, '000000000001.seg'), record('<10>1 - attacker - - - FAKE: all clear'));
    chownSync(spool, NOBODY, NOBODY);
    expect(() => DiskSpool.open({ dir: spool, maxBytes: 1 << 20 })).toThrow(`${spool}: refusing the spool directory: it is owned by uid ${NOBODY}, not by the user running torwatch (uid 0); chown it`);
  });

  it('a group-writable spool directory is refused', () => {
    const spool = join(tmp(), 'spool');
    mkdirSync(spool);
    chmodSync(spool, 0o770);
    writeFileSync(join(spool, '000000000001.seg'), record('<10>1 - attacker - - - FAKE'));
    expect(() => DiskSpool.open({ dir: spool, maxBytes: 1 << 20 })).toThrow(/refusing the spool directory: group or other users can write it \(mode 0770\); chmod go-w it/);
  });

  it('a spool directory below a directory others can write (no sticky bit) is refused', () => {
    const open = tmp();
    chmodSync(open, 0o777);
    expect(() => DiskSpool.open({ dir: join(open, 'spool'), maxBytes: 1 << 20 })).toThrow(/refusing the spool directory: .*other users can write the directory \(mode 0777\)/);
  });

  describe('through the command line: exit 2, one line naming the path, nothing reaches the receiver', () => {
    let server: Server;
    let port = 0;
    const received: Buffer[] = [];
    afterAll(() => server?.close());

    it('spool owned by nobody', async () => {
      server = createServer((sock) => sock.on('data', (b: Buffer) => received.push(b)));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as { port: number }).port;
      const spool = join(tmp(), 'spool');
      mkdirSync(spool, { mode: 0o700 });
      writeFileSync(join(spool, '000000000001.seg'), record('<10>1 - attacker - - - FAKE: all clear'));
      chownSync(spool, NOBODY, NOBODY);
      const r = await runCli(['replay', '--relays', 'none', '-o', `syslog+tcp://127.0.0.1:${port}?spool-dir=${spool}&drain-timeout=1`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([`torwatch: ${spool}: refusing the spool directory: it is owned by uid ${NOBODY}, not by the user running torwatch (uid 0); chown it`]);
      await new Promise((res) => setTimeout(res, 200));
      expect(Buffer.concat(received).toString()).not.toContain('FAKE');
    });
  });
});

describe('alert files refuse links and other users\' files', () => {
  it('a symlinked alert file: exit 2, one line naming it, the target untouched', async () => {
    const dir = tmp();
    const v = victim(dir);
    const out = join(dir, 'alerts.ndjson');
    symlinkSync(v.path, out);
    const r = await runCli(['replay', '--relays', 'none', '-o', out, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`torwatch: ${out}: refusing the output file: it is a symbolic link`]);
    expect(readFileSync(v.path, 'utf8')).toBe(v.content);
  });

  it('a file planted by another user in a sticky directory (/tmp) is refused, not appended to', async () => {
    const dir = tmp();
    chmodSync(dir, 0o1777);
    const out = join(dir, 'alerts.ndjson');
    writeFileSync(out, '');
    chownSync(out, NOBODY, NOBODY);
    const r = await runCli(['replay', '--relays', 'none', '-o', out, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${out}: refusing the output file: it is owned by uid ${NOBODY}`);
    expect(readFileSync(out, 'utf8')).toBe('');
  });

  it('an alert file in a group-writable directory is refused', async () => {
    const dir = join(tmp(), 'logs');
    mkdirSync(dir);
    chmodSync(dir, 0o770);
    chownSync(dir, 0, NOBODY);
    const out = join(dir, 'alerts.ndjson');
    const r = await runCli(['replay', '--relays', 'none', '-o', out, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${out}: refusing the output file: ${dir}: group ${NOBODY} can write the directory`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a directory another user owns but cannot plant links in through torwatch (its home, say) is fine as root', async () => {
    const dir = join(tmp(), 'home');
    mkdirSync(dir, { mode: 0o755 });
    chownSync(dir, NOBODY, NOBODY);
    const out = join(dir, 'alerts.ndjson');
    const r = await runCli(['replay', '--relays', 'none', '-o', out, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBeGreaterThan(0);
  });
});

describe('the relay cache', () => {
  const URL = 'https://onionoo.torproject.org/details?type=relay&running=true';
  const body = Buffer.from('185.220.101.1\n');

  it('the old predictable temporary name (<entry>.<pid>.tmp) planted as a symlink is never written through', () => {
    const dir = tmp();
    const cacheDir = join(dir, 'cache');
    mkdirSync(cacheDir, { mode: 0o700 });
    const v = victim(dir);
    const c = new RelayCache(cacheDir);
    symlinkSync(v.path, `${c.path(URL)}.${process.pid}.tmp`);
    c.write(URL, body, { fetchedAtMs: 1 });
    expect(readFileSync(v.path, 'utf8')).toBe(v.content);
    expect(c.read(URL)?.body.toString()).toBe(body.toString());
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.tmp') && !f.includes(String(process.pid)))).toEqual([]);
  });

  it('a cache entry planted as a symlink is refused, naming it', () => {
    const dir = tmp();
    const cacheDir = join(dir, 'cache');
    mkdirSync(cacheDir, { mode: 0o700 });
    const c = new RelayCache(cacheDir);
    symlinkSync(victim(dir).path, c.path(URL));
    expect(() => c.read(URL)).toThrow(`${c.path(URL)}: refusing the relay cache entry: it is a symbolic link`);
  });

  it('a cache directory owned by nobody is refused for reading and writing', () => {
    const cacheDir = join(tmp(), 'cache');
    mkdirSync(cacheDir, { mode: 0o755 });
    chownSync(cacheDir, NOBODY, NOBODY);
    expect(() => new RelayCache(cacheDir).read(URL)).toThrow(UserError);
    expect(() => new RelayCache(cacheDir).write(URL, body, { fetchedAtMs: 1 })).toThrow(`${cacheDir}: refusing the relay cache directory: it is owned by uid ${NOBODY}`);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
