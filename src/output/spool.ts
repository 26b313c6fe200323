import { closeSync, fstatSync, fsyncSync, ftruncateSync, readdirSync, readSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { crc32 } from '../util/crc32.js';
import { UserError } from '../util/errors.js';
import { ensurePrivateDir, FileRefused, NOFOLLOW, openNoFollow, replaceFile, TEMP_NAME } from '../util/private-files.js';

/**
 * A bounded, ordered, on-disk queue of messages for one stream output: the write-ahead log that makes
 * delivery at-least-once. Every message is appended here before it is sent; the sender reads from
 * the send position, and only messages the receiver has confirmed (see stream-output.ts) move the
 * ack position, which is persisted. A process that dies, or a receiver that dies, loses nothing:
 * the next start (or connection) resends from the ack position, in the original order.
 *
 * Layout of the directory (one directory per output):
 *   000000000001.seg ...   segment files, records appended in order
 *   ack                    "<segment> <offset>": the first message not yet confirmed
 *   lock                   the pid of the torwatch that owns the spool (two writers would interleave)
 * A record is [u32 length][u32 CRC-32 of the payload][payload], big-endian. A torn record at the end
 * of the last segment (power loss, SIGKILL mid-write) is cut off at start-up; a bad record elsewhere
 * ends that segment and is logged as lost.
 *
 * Bounded: the segment files never hold more than maxBytes; a message that does not fit is refused
 * (the newest is dropped, so what is queued stays in order) and the caller counts and logs the drop.
 * fsync: off by default (a crash of torwatch loses nothing, the page cache holds the data; a power
 * loss may lose the last writes); with `fsync` every append batch and every ack is fsynced.
 *
 * Trust: torwatch may run as root and delivers whatever the segments hold, so the directory must be
 * the running user's and writable by no one else (util/private-files.ts), every file is opened without
 * following links, and the ack is replaced through an exclusively created, randomly named file.
 */
export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** Segment size at which a new file is started; default maxBytes/8 within [64 KiB, 16 MiB]. */
  segmentBytes?: number;
  fsync?: boolean;
  log?: Logger;
}

export interface SpoolPosition {
  seg: number;
  off: number;
}

export interface SpoolBatch {
  records: Buffer[];
  /** Position after the last record of the batch. */
  end: SpoolPosition;
  /**
   * Position after each record (ends[i] follows records[i]): outputs with per-message
   * acknowledgements (RELP, Redis, NATS) commit exactly what was confirmed, not whole batches.
   */
  ends: SpoolPosition[];
}

const RECORD_HEADER = 8;
/** No alert comes near this; a larger length field means a corrupt record, not a big message. */
export const MAX_RECORD = 1 << 20;
const SEG_RE = /^(\d{12})\.seg$/;

interface Segment {
  seq: number;
  size: number;
}

function segName(seq: number): string {
  return String(seq).padStart(12, '0') + '.seg';
}

/** Spool directories this process holds (two outputs must not share one). */
const HELD = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DiskSpool {
  private segments: Segment[] = [];
  private writeFd = -1;
  private readFd = -1;
  private readSeq = -1;
  private sendPos: SpoolPosition = { seg: 1, off: 0 };
  private ackPos: SpoolPosition = { seg: 1, off: 0 };
  private unsentCount = 0;
  private unconfirmedCount = 0;
  private bytes = 0;
  private readonly segmentBytes: number;
  private closed = false;
  /** Records found bad at start-up (corruption), for the summary. */
  readonly recovered = { records: 0, tornBytes: 0, corruptSegments: 0 };

  private constructor(private readonly opts: SpoolOptions) {
    this.segmentBytes = opts.segmentBytes ?? Math.max(64 << 10, Math.min(16 << 20, Math.floor(opts.maxBytes / 8)));
  }

  /** Open (create) the spool directory, take its lock, and find what an earlier run left. */
  static open(opts: SpoolOptions): DiskSpool {
    const s = new DiskSpool(opts);
    ensurePrivateDir(opts.dir, 'spool directory');
    s.lock();
    try {
      s.load();
    } catch (err) {
      s.unlock();
      throw err;
    }
    return s;
  }

  get dir(): string {
    return this.opts.dir;
  }

  /** Messages not yet handed to the transport (after a rewind: not yet confirmed). */
  get unsent(): number {
    return this.unsentCount;
  }

  /** Messages not yet confirmed by the receiver (includes unsent). */
  get unconfirmed(): number {
    return this.unconfirmedCount;
  }

  /** Bytes on disk. */
  get size(): number {
    return this.bytes;
  }

  get maxBytes(): number {
    return this.opts.maxBytes;
  }

  /**
   * Append messages in order; returns how many were stored. The rest were refused: the spool is
   * full, or the disk refused the write (ENOSPC, EIO: logged; the segment is cut back to its last
   * whole record, so a failed write never leaves half a record behind).
   */
  append(records: readonly Buffer[]): number {
    if (this.closed) return 0;
    let stored = 0;
    let i = 0;
    while (i < records.length) {
      // One write per segment: gather what fits in the current segment.
      const seg = this.segments[this.segments.length - 1];
      const parts: Buffer[] = [];
      let bytes = 0;
      let n = 0;
      for (; i < records.length; i++) {
        const r = records[i];
        const need = RECORD_HEADER + r.length;
        if (r.length > MAX_RECORD || this.bytes + bytes + need > this.opts.maxBytes) break;
        if (seg.size + bytes > 0 && seg.size + bytes + need > this.segmentBytes) break;
        const head = Buffer.allocUnsafe(RECORD_HEADER);
        head.writeUInt32BE(r.length, 0);
        head.writeUInt32BE(crc32(r), 4);
        parts.push(head, r);
        bytes += need;
        n++;
      }
      if (n === 0) {
        // Full (or a record that can never fit): unless a new segment would take it, stop here.
        const r = records[i];
        if (seg.size > 0 && r.length <= MAX_RECORD && this.bytes + RECORD_HEADER + r.length <= this.opts.maxBytes) {
          if (!this.tryRoll()) break;
          continue;
        }
        break;
      }
      if (!this.writeAll(seg, Buffer.concat(parts, bytes))) break;
      seg.size += bytes;
      this.bytes += bytes;
      stored += n;
    }
    this.unsentCount += stored;
    this.unconfirmedCount += stored;
    return stored;
  }

  /** Write to the current segment; on failure cut it back to `seg.size` and say why. */
  private writeAll(seg: Segment, data: Buffer): boolean {
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.writeFd, data, off, data.length - off);
      if (this.opts.fsync) fsyncSync(this.writeFd);
      return true;
    } catch (err) {
      this.opts.log?.error({ spool: this.opts.dir, err: (err as Error).message }, 'spool: write to disk failed; these alerts are refused');
      try {
        ftruncateSync(this.writeFd, seg.size);
      } catch {
        // the next start cuts a torn tail anyway
      }
      return false;
    }
  }

  private tryRoll(): boolean {
    try {
      this.roll();
      return true;
    } catch (err) {
      this.opts.log?.error({ spool: this.opts.dir, err: (err as Error).message }, 'spool: cannot start a new segment file');
      return false;
    }
  }

  /** Up to `maxBytes` (and `maxRecords`) of records from the send position (at least one), advancing it. */
  read(maxBytes: number, maxRecords = Infinity): SpoolBatch | undefined {
    if (this.unsentCount === 0 || maxRecords < 1) return undefined;
    const records: Buffer[] = [];
    const ends: SpoolPosition[] = [];
    let total = 0;
    while (total < maxBytes && records.length < maxRecords && this.unsentCount > 0) {
      const seg = this.segmentOf(this.sendPos.seg);
      if (!seg) break;
      if (this.sendPos.off >= seg.size) {
        const next = this.segments.find((x) => x.seq > this.sendPos.seg);
        if (!next) break;
        this.sendPos = { seg: next.seq, off: 0 };
        continue;
      }
      const want = Math.min(seg.size - this.sendPos.off, Math.max(maxBytes - total, RECORD_HEADER));
      const chunk = this.readAt(seg.seq, this.sendPos.off, want);
      let p = 0;
      while (p + RECORD_HEADER <= chunk.length) {
        const len = chunk.readUInt32BE(p);
        if (p + RECORD_HEADER + len > chunk.length) break;
        records.push(Buffer.from(chunk.subarray(p + RECORD_HEADER, p + RECORD_HEADER + len)));
        p += RECORD_HEADER + len;
        ends.push({ seg: seg.seq, off: this.sendPos.off + p });
        total += len;
        this.unsentCount--;
        if (total >= maxBytes || records.length >= maxRecords || this.unsentCount === 0) break;
      }
      if (p === 0) {
        // One record larger than what we asked for: read exactly it.
        const len = chunk.readUInt32BE(0);
        const whole = this.readAt(seg.seq, this.sendPos.off, RECORD_HEADER + len);
        records.push(Buffer.from(whole.subarray(RECORD_HEADER)));
        p = RECORD_HEADER + len;
        ends.push({ seg: seg.seq, off: this.sendPos.off + p });
        this.unsentCount--;
        total += len;
      }
      this.sendPos = { seg: seg.seq, off: this.sendPos.off + p };
    }
    return records.length ? { records, end: { ...this.sendPos }, ends } : undefined;
  }

  /**
   * The receiver has the first `count` unconfirmed messages, which end at `pos`: move the ack there,
   * persist it, and delete segments nobody needs any more.
   */
  commit(pos: SpoolPosition, count: number): void {
    if (this.closed || count <= 0) return;
    this.ackPos = { ...pos };
    this.unconfirmedCount -= count;
    if (this.unconfirmedCount === 0 && this.unsentCount === 0 && this.tryRoll()) {
      // Everything confirmed: start a fresh segment so the disk does not hold delivered messages.
      for (const s of this.segments.slice(0, -1)) this.removeSegment(s.seq);
      const cur = this.segments[this.segments.length - 1];
      this.ackPos = { seg: cur.seq, off: 0 };
      this.sendPos = { seg: cur.seq, off: 0 };
    } else {
      for (const s of this.segments.filter((x) => x.seq < this.ackPos.seg)) this.removeSegment(s.seq);
    }
    this.writeAck();
  }

  /** The connection broke: everything unconfirmed is to be sent again, from the ack position. */
  rewind(): number {
    const n = this.unconfirmedCount - this.unsentCount;
    this.sendPos = { ...this.ackPos };
    this.unsentCount = this.unconfirmedCount;
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.writeAck();
    this.closed = true;
    if (this.writeFd >= 0) closeSync(this.writeFd);
    if (this.readFd >= 0) closeSync(this.readFd);
    this.writeFd = this.readFd = -1;
    this.unlock();
  }

  // ---- internals ----

  private lock(): void {
    const path = join(this.opts.dir, 'lock');
    if (HELD.has(path)) throw new UserError(`${this.opts.dir}: two outputs use the same spool directory; give each its own spool-dir`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(path, String(process.pid) + '\n', { flag: 'wx', mode: 0o600 });
        HELD.add(path);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`${this.opts.dir}: cannot lock spool directory (${(err as NodeJS.ErrnoException).code})`);
        const pid = Number(readSmall(path, 'spool lock').trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
          throw new UserError(`${this.opts.dir}: spool directory is in use by another torwatch (pid ${pid}); give each process its own spool-dir`);
        }
        this.opts.log?.warn({ spool: this.opts.dir, stalePid: pid }, 'spool: taking over a stale lock');
        unlinkSync(path);
      }
    }
  }

  private unlock(): void {
    HELD.delete(join(this.opts.dir, 'lock'));
    try {
      unlinkSync(join(this.opts.dir, 'lock'));
    } catch {
      // already gone
    }
  }

  private load(): void {
    const seqs = readdirSync(this.opts.dir).map((f) => SEG_RE.exec(f)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
    this.segments = seqs.map((seq) => ({ seq, size: this.sizeOf(seq) }));
    for (const f of readdirSync(this.opts.dir)) if (TEMP_NAME.test(f)) unlinkSync(join(this.opts.dir, f)); // an ack write cut short
    this.ackPos = this.readAck();
    // Segments wholly before the ack are delivered leftovers.
    for (const s of this.segments.filter((x) => x.seq < this.ackPos.seg)) this.removeSegment(s.seq);
    if (!this.segments.length) {
      const seq = Math.max(1, this.ackPos.seg);
      this.createSegment(seq);
      this.ackPos = { seg: seq, off: 0 };
    } else if (this.ackPos.seg < this.segments[0].seq || this.ackPos.seg > this.segments[this.segments.length - 1].seq) {
      this.ackPos = { seg: this.segments[0].seq, off: 0 };
    } else if (!this.segmentOf(this.ackPos.seg) || this.ackPos.off > this.segmentOf(this.ackPos.seg)!.size) {
      this.opts.log?.warn({ spool: this.opts.dir }, 'spool: ack position is not in the spool; resending from the oldest message');
      this.ackPos = { seg: this.segments[0].seq, off: 0 };
    }
    this.scan();
    this.sendPos = { ...this.ackPos };
    this.bytes = this.segments.reduce((a, s) => a + s.size, 0);
    const last = this.segments[this.segments.length - 1];
    this.writeFd = this.openSegment(last.seq, NOFOLLOW.append);
    this.unsentCount = this.unconfirmedCount = this.recovered.records;
    if (this.recovered.records > 0) this.opts.log?.info({ spool: this.opts.dir, messages: this.recovered.records, bytes: this.bytes }, 'spool: resuming with messages an earlier run had not delivered');
  }

  /** Count and check the records from the ack position on; cut a torn tail, skip corrupt rests. */
  private scan(): void {
    for (const seg of this.segments) {
      if (seg.seq < this.ackPos.seg) continue;
      let off = seg.seq === this.ackPos.seg ? this.ackPos.off : 0;
      const data = this.readAt(seg.seq, 0, seg.size);
      while (off < seg.size) {
        const ok = off + RECORD_HEADER <= seg.size && (() => {
          const len = data.readUInt32BE(off);
          return len <= MAX_RECORD && off + RECORD_HEADER + len <= seg.size && crc32(data, off + RECORD_HEADER, off + RECORD_HEADER + len) === data.readUInt32BE(off + 4);
        })();
        if (!ok) break;
        off += RECORD_HEADER + data.readUInt32BE(off);
        this.recovered.records++;
      }
      if (off < seg.size) {
        const isLast = seg === this.segments[this.segments.length - 1];
        if (isLast) {
          this.recovered.tornBytes += seg.size - off;
          this.opts.log?.warn({ spool: this.opts.dir, segment: segName(seg.seq), bytes: seg.size - off }, 'spool: cut a torn record at the end (the last write of an earlier run was interrupted)');
        } else {
          this.recovered.corruptSegments++;
          this.opts.log?.error({ spool: this.opts.dir, segment: segName(seg.seq), offset: off, bytes: seg.size - off }, 'spool: CORRUPT record; the rest of this segment is lost');
        }
        const fd = this.openSegment(seg.seq, NOFOLLOW.readWrite);
        ftruncateSync(fd, off);
        closeSync(fd);
        seg.size = off;
      }
    }
  }

  private readAck(): SpoolPosition {
    const path = join(this.opts.dir, 'ack');
    let text: string;
    try {
      text = readSmall(path, 'spool ack file');
    } catch (err) {
      if (err instanceof FileRefused && err.code === 'ENOENT') return { seg: this.segments[0]?.seq ?? 1, off: 0 };
      throw err;
    }
    const m = /^(\d+) (\d+)\s*$/.exec(text);
    if (!m) {
      this.opts.log?.warn({ spool: this.opts.dir }, 'spool: unreadable ack file; resending from the oldest message');
      return { seg: this.segments[0]?.seq ?? 1, off: 0 };
    }
    return { seg: Number(m[1]), off: Number(m[2]) };
  }

  /** Persist the ack position (write and rename: never half a file). A failure costs duplicates after a restart, not alerts. */
  private writeAck(): void {
    try {
      replaceFile(join(this.opts.dir, 'ack'), `${this.ackPos.seg} ${this.ackPos.off}\n`, { fsync: this.opts.fsync });
    } catch (err) {
      this.opts.log?.error({ spool: this.opts.dir, err: (err as Error).message }, 'spool: cannot save the ack position; after a restart some alerts may be sent twice');
    }
  }

  private segmentOf(seq: number): Segment | undefined {
    return this.segments.find((s) => s.seq === seq);
  }

  /** A segment file, opened without following links (a planted link is refused, naming the file). */
  private openSegment(seq: number, flags: number): number {
    return openNoFollow(join(this.opts.dir, segName(seq)), flags, 0o600, 'spool segment');
  }

  private sizeOf(seq: number): number {
    const fd = this.openSegment(seq, NOFOLLOW.read);
    try {
      return fstatSync(fd).size;
    } finally {
      closeSync(fd);
    }
  }

  private createSegment(seq: number): void {
    closeSync(this.openSegment(seq, NOFOLLOW.createNew));
    this.segments.push({ seq, size: 0 });
  }

  private roll(): void {
    const last = this.segments[this.segments.length - 1];
    if (this.writeFd >= 0) closeSync(this.writeFd);
    this.createSegment(last.seq + 1);
    this.writeFd = this.openSegment(last.seq + 1, NOFOLLOW.append);
  }

  private removeSegment(seq: number): void {
    const i = this.segments.findIndex((s) => s.seq === seq);
    if (i < 0) return;
    if (this.readSeq === seq && this.readFd >= 0) {
      closeSync(this.readFd);
      this.readFd = -1;
      this.readSeq = -1;
    }
    this.bytes -= this.segments[i].size;
    this.segments.splice(i, 1);
    try {
      unlinkSync(join(this.opts.dir, segName(seq)));
    } catch {
      // already gone
    }
  }

  private readAt(seq: number, off: number, len: number): Buffer {
    if (this.readSeq !== seq) {
      if (this.readFd >= 0) closeSync(this.readFd);
      this.readFd = this.openSegment(seq, NOFOLLOW.read);
      this.readSeq = seq;
    }
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = readSync(this.readFd, buf, got, len - got, off + got);
      if (n === 0) break;
      got += n;
    }
    return got === len ? buf : buf.subarray(0, got);
  }
}

/** A small state file (lock, ack), read without following a link (FileRefused, code ENOENT, when missing). */
function readSmall(path: string, what: string): string {
  const fd = openNoFollow(path, NOFOLLOW.read, 0o600, what);
  try {
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
