import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors.js';
import { trustProblem } from './trust.js';

/**
 * Files torwatch writes as root (or as the service user) in directories a local user might reach: the
 * spool, alert files, the relay cache. The OpenSSH habits (StrictModes, O_NOFOLLOW): a directory that
 * holds state must belong to the user running torwatch and be writable by nobody else, files are
 * opened without following a symbolic link and must be plain files with one name, temporary files are
 * created exclusively under a random name. Otherwise a planted link turns a write into an overwrite of
 * a file the attacker picked, and a planted record is delivered as if torwatch had written it.
 */

const { O_NOFOLLOW, O_CREAT, O_EXCL, O_WRONLY, O_RDONLY, O_RDWR, O_APPEND } = constants;
export const NOFOLLOW = { read: O_RDONLY | O_NOFOLLOW, readWrite: O_RDWR | O_NOFOLLOW, append: O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, createNew: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW } as const;

/** A file torwatch would not open, in one line; `code` is open(2)'s error, when it failed there. */
export class FileRefused extends UserError {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function euid(): number {
  return typeof process.geteuid === 'function' ? process.geteuid() : 0;
}

function modeText(st: Pick<Stats, 'mode'>): string {
  return (st.mode & 0o7777).toString(8).padStart(4, '0');
}

/** Why a state directory cannot be trusted (it must be the running user's own, writable by no one else), or undefined. */
export function privateDirProblem(st: Pick<Stats, 'uid' | 'mode' | 'isDirectory'>, uid: number): string | undefined {
  if (!st.isDirectory()) return 'it is not a directory';
  if (st.uid !== uid) return `it is owned by uid ${st.uid}, not by the user running torwatch (uid ${uid}); chown it`;
  if ((st.mode & 0o022) !== 0) return `group or other users can write it (mode ${modeText(st)}); chmod go-w it`;
  return undefined;
}

/**
 * Create `dir` (mode 0700) if missing, then refuse it unless it and every directory above it can be
 * trusted: the directory itself the running user's and not group/other-writable, the ones above as a
 * config file's (config-trust.ts: root's or the user's, a world-writable one only with the sticky bit).
 * `what` names the directory in the one-line refusal ("spool directory").
 */
export function ensurePrivateDir(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FileRefused(`${dir}: cannot create ${what} (${code ?? (err as Error).message})`, code);
  }
  const uid = euid();
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (err) {
    throw new UserError(`${dir}: cannot resolve ${what} (${(err as NodeJS.ErrnoException).code})`);
  }
  const own = privateDirProblem(statSync(real), uid);
  if (own) throw new UserError(`${dir}: refusing the ${what}: ${own}`);
  assertDirsTrusted(dirname(real), dir, what, uid);
}

/**
 * Why a directory others could plant names in (group- or other-writable without the sticky bit;
 * group root's excepted, as config-trust.ts) is no place for an output file, or undefined.
 */
export function sharedDirProblem(st: Pick<Stats, 'gid' | 'mode'>): string | undefined {
  if ((st.mode & 0o1000) !== 0) return undefined;
  if ((st.mode & 0o002) !== 0) return `other users can write the directory (mode ${modeText(st)}); chmod o-w it`;
  if ((st.mode & 0o020) !== 0 && st.gid !== 0) return `group ${st.gid} can write the directory (mode ${modeText(st)}); chmod g-w it`;
  return undefined;
}

/** `from` and every directory above it must be root's or the user's and not writable by others (sticky excepted). */
export function assertDirsTrusted(from: string, named: string, what: string, uid = euid()): void {
  for (let up = from; ; up = dirname(up)) {
    const p = trustProblem(statSync(up), uid, 'directory');
    if (p) throw new UserError(`${named}: refusing the ${what}: ${up}: ${p}`);
    if (dirname(up) === up) return;
  }
}

/**
 * open(2) without following a symbolic link; the result must be a regular file with one link (a hard
 * link to another file is the same attack as a symbolic one) owned by the running user (or root, when
 * `allowRoot`). Any failure is one line naming the file.
 */
export function openNoFollow(path: string, flags: number, mode = 0o600, what = 'file', allowRoot = false): number {
  let fd: number;
  try {
    fd = openSync(path, flags | O_NOFOLLOW, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new FileRefused(`${path}: refusing the ${what}: it is a symbolic link`, code);
    const missing = (flags & O_CREAT) !== 0 ? 'its directory does not exist' : 'it does not exist';
    throw new FileRefused(`${path}: cannot open the ${what} (${code === 'ENOENT' ? missing : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code ?? (err as Error).message})`, code);
  }
  const problem = fileProblem(fstatSync(fd), euid(), allowRoot);
  if (problem) {
    closeSync(fd);
    throw new FileRefused(`${path}: refusing the ${what}: ${problem}`);
  }
  return fd;
}

/** Why an opened file is not one torwatch may write, or undefined. */
export function fileProblem(st: Pick<Stats, 'uid' | 'mode' | 'nlink' | 'isFile'>, uid: number, allowRoot = false): string | undefined {
  if (!st.isFile()) return 'it is not a regular file';
  if (st.nlink > 1) return `it has ${st.nlink} hard links`;
  if (st.uid !== uid && !(allowRoot && st.uid === 0)) return `it is owned by uid ${st.uid}, not by the user running torwatch (uid ${uid})`;
  if ((st.mode & 0o002) !== 0) return `other users can write it (mode ${modeText(st)})`;
  return undefined;
}

/**
 * Replace `path` whole: write a new file under a random name beside it (created exclusively, never
 * through a link), fsync it if asked, and rename it over `path`. A crash leaves the old file or the new
 * one, never half of either; a planted temporary name is never written.
 */
export function replaceFile(path: string, data: Buffer | string, opts: { mode?: number; fsync?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  const fd = openNoFollow(tmp, NOFOLLOW.createNew, opts.mode ?? 0o600, 'temporary file');
  try {
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      if (opts.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // renamed already, or never created
    }
    throw err;
  }
}

/** Temporary files replaceFile() leaves only when killed between create and rename. */
export const TEMP_NAME = /^\..+\.[0-9a-f]{16}\.tmp$/;
