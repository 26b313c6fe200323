/** The disk spool on its own: order, bounds, confirm/rewind, restart, torn and corrupt files, locking. */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool } from '../../src/output/spool.js';
import { UserError } from '../../src/util/errors.js';
import { requireUnderCi } from '../support/ci.js';

const isRoot = process.getuid?.() === 0;
requireUnderCi('the spool\'s full-disk test', isRoot ? undefined : 'not root (it mounts a small tmpfs)');

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'tw5-spool-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const msg = (i: number, size = 100): Buffer => Buffer.from(`m${i}:`.padEnd(size, 'x'));
const segs = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();
function drain(s: DiskSpool, max = 1 << 20): { records: string[]; end?: { seg: number; off: number } } {
  const out: string[] = [];
  let end;
  for (;;) {
    const b = s.read(max);
    if (!b) break;
    out.push(...b.records.map((r) => r.toString()));
    end = b.end;
  }
  return { records: out, end };
}

describe('DiskSpool', () => {
  it('gives back what was appended, in order, across segment files, and deletes confirmed segments', () => {
    const dir = tmp();
    const s = DiskSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 1000 });
    expect(s.append(Array.from({ length: 50 }, (_, i) => msg(i)))).toBe(50);
    expect(segs(dir).length).toBeGreaterThan(4);
    const got = drain(s, 350);
    expect(got.records).toEqual(Array.from({ length: 50 }, (_, i) => msg(i).toString()));
    expect(s.unsent).toBe(0);
    expect(s.unconfirmed).toBe(50);
    s.commit(got.end!, 50);
    expect(s.unconfirmed).toBe(0);
    expect(s.size).toBe(0);
    expect(segs(dir).length).toBe(1);
    s.close();
  });

  it('rewind sends everything unconfirmed again, from the ack position', () => {
    const s = DiskSpool.open({ dir: tmp(), maxBytes: 1 << 20 });
    s.append([msg(1), msg(2), msg(3)]);
    const first = s.read(150)!; // one or two records
    s.commit(first.end, first.records.length);
    drain(s);
    expect(s.rewind()).toBe(3 - first.records.length);
    expect(drain(s).records).toEqual([msg(1), msg(2), msg(3)].slice(first.records.length).map(String));
    s.close();
  });

  it('is bounded: a message that does not fit is refused, the queued ones stay in order', () => {
    const dir = tmp();
    const s = DiskSpool.open({ dir, maxBytes: 1080, segmentBytes: 500 });
    expect(s.append(Array.from({ length: 20 }, (_, i) => msg(i)))).toBe(10); // 10 x (8 + 100)
    expect(s.size).toBeLessThanOrEqual(1080);
    expect(s.append([msg(99)])).toBe(0);
    expect(drain(s).records).toEqual(Array.from({ length: 10 }, (_, i) => msg(i).toString()));
    s.close();
  });

  it('resumes after a restart from the persisted ack position', () => {
    const dir = tmp();
    let s = DiskSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 300 });
    s.append(Array.from({ length: 10 }, (_, i) => msg(i)));
    const b = s.read(250)!;
    s.commit(b.end, b.records.length);
    drain(s); // sent but never confirmed: must come again
    s.close();
    s = DiskSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 300 });
    expect(s.unconfirmed).toBe(10 - b.records.length);
    expect(drain(s).records).toEqual(Array.from({ length: 10 }, (_, i) => msg(i).toString()).slice(b.records.length));
    s.append([msg(10)]);
    expect(drain(s).records).toEqual([msg(10).toString()]);
    s.close();
  });

  it('cuts a torn record at the end of the last segment (a write interrupted by a crash)', () => {
    const dir = tmp();
    const s = DiskSpool.open({ dir, maxBytes: 1 << 20 });
    s.append([msg(1), msg(2)]);
    s.close();
    const seg = join(dir, segs(dir)[0]);
    truncateSync(seg, statSync(seg).size - 30);
    const t = DiskSpool.open({ dir, maxBytes: 1 << 20 });
    expect(t.recovered.tornBytes).toBe(108 - 30);
    expect(drain(t).records).toEqual([msg(1).toString()]);
    t.append([msg(3)]);
    expect(drain(t).records).toEqual([msg(3).toString()]);
    t.close();
  });

  it('a corrupt record (CRC mismatch) in an older segment ends that segment, logged, and the next segment is read', () => {
    const dir = tmp();
    const s = DiskSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 250 });
    s.append([msg(1), msg(2), msg(3), msg(4)]);
    s.close();
    const first = join(dir, segs(dir)[0]);
    const data = readFileSync(first);
    data[108 + 8 + 5] ^= 0xff; // flip a payload byte of the second record
    writeFileSync(first, data);
    const errors: string[] = [];
    const log = { error: (_o: unknown, m: string) => errors.push(m), warn: () => undefined, info: () => undefined } as never;
    const t = DiskSpool.open({ dir, maxBytes: 1 << 20, segmentBytes: 250, log });
    expect(t.recovered.corruptSegments).toBe(1);
    expect(errors.join()).toMatch(/CORRUPT/);
    expect(drain(t).records).toEqual([msg(1), msg(3), msg(4)].map(String));
    t.close();
  });

  it('one process per spool: a live owner is refused, a stale lock is taken over, two outputs cannot share one', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'lock'), `${process.ppid}\n`);
    expect(() => DiskSpool.open({ dir, maxBytes: 1 << 20 })).toThrow(/in use by another torwatch \(pid/);
    writeFileSync(join(dir, 'lock'), '999999999\n');
    const s = DiskSpool.open({ dir, maxBytes: 1 << 20 });
    expect(() => DiskSpool.open({ dir, maxBytes: 1 << 20 })).toThrow(UserError);
    s.close();
    expect(readdirSync(dir)).not.toContain('lock');
  });

  it.skipIf(!isRoot)('a disk that refuses the write (ENOSPC: a full 64 KiB tmpfs) refuses the alerts and says so; nothing crashes', () => {
    // A real full file system: the spool refuses links, so /dev/full cannot stand in for the segment.
    const dir = tmp();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tw14h-full', dir]);
    try {
      const errors: string[] = [];
      const log = { error: (o: { err: string }, m: string) => errors.push(`${m}: ${o.err}`), warn: () => undefined, info: () => undefined } as never;
      const s = DiskSpool.open({ dir, maxBytes: 1 << 20, log });
      try {
        writeFileSync(join(dir, 'filler'), Buffer.alloc(64 << 10));
      } catch {
        // ENOSPC part way: the file system is full, which is the point
      }
      expect(s.append([msg(1, 8000), msg(2, 8000)])).toBe(0);
      expect(s.unsent).toBe(0);
      expect(s.size).toBe(0);
      expect(errors.join()).toMatch(/write to disk failed.*ENOSPC/);
      s.close();
    } finally {
      execFileSync('umount', [dir]);
    }
  });

  it('an unwritable directory is a one-line user error', () => {
    const file = join(tmp(), 'plain-file');
    appendFileSync(file, 'x');
    expect(() => DiskSpool.open({ dir: join(file, 'spool'), maxBytes: 1 << 20 })).toThrow(/cannot create spool directory \(ENOTDIR\)/);
  });
});
