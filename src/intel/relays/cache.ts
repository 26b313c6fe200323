import { createHash } from 'node:crypto';
import { closeSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir, FileRefused, NOFOLLOW, openNoFollow, replaceFile } from '../../util/private-files.js';

/** What the cache knows about a fetched list besides its bytes. */
export interface CacheMeta {
  url: string;
  /** When the content was last confirmed current (a 200, or a 304 for the same content). */
  fetchedAtMs: number;
  etag?: string;
  lastModified?: string;
  bytes: number;
  /** `relays import`: the path the list was imported from, and when. */
  importedFrom?: string;
  importedAtMs?: number;
  /** An imported plain list's role suffix (#exit, #guard, #relay), applied when it is read back. */
  hint?: string;
}

/** Cache key of an imported list: by file name, so importing a newer copy of the same list replaces it. */
export function importKey(fileName: string): string {
  return `import:${fileName}`;
}

export interface CachedCopy {
  body: Buffer;
  meta: CacheMeta;
}

/**
 * Default cache directory: systemd's $CACHE_DIRECTORY (CacheDirectory=torwatch), else
 * $XDG_CACHE_HOME/torwatch, else ~/.cache/torwatch.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CACHE_DIRECTORY) return env.CACHE_DIRECTORY.split(':')[0];
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'torwatch');
  return join(homedir(), '.cache', 'torwatch');
}

/**
 * The last good copy of every relay list fetched from a URL, so a restart without network, or a
 * failed fetch, still has a relay set. One file per URL (named by a hash of the URL): a JSON line of
 * metadata, then the body. It is written to a temporary file and renamed into place, so a crash
 * never leaves half a list; and only lists that parsed are written, so an error page never replaces
 * a good copy.
 *
 * Trust: what the cache holds decides which addresses are relays, and torwatch may write it as root,
 * so the directory must be the running user's and writable by no one else, entries are read without
 * following links, and the temporary file is created exclusively under a random name
 * (util/private-files.ts); a directory that fails is refused in one line naming it.
 */
export class RelayCache {
  private checked = false;

  constructor(readonly dir: string) {}

  /** Refuse an untrusted directory (once); false when there is no directory yet and `create` is off. */
  private trusted(create: boolean): boolean {
    if (this.checked) return true;
    if (!create && !existsSync(this.dir)) return false;
    ensurePrivateDir(this.dir, 'relay cache directory');
    this.checked = true;
    return true;
  }

  /** A cache file's bytes, never through a link; undefined when it is missing. */
  private readEntry(path: string): Buffer | undefined {
    let fd: number;
    try {
      fd = openNoFollow(path, NOFOLLOW.read, 0o644, 'relay cache entry', true);
    } catch (err) {
      if (err instanceof FileRefused && err.code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  path(url: string): string {
    return join(this.dir, 'relays-' + createHash('sha256').update(url).digest('hex').slice(0, 32) + '.cache');
  }

  read(url: string): CachedCopy | undefined {
    if (!this.trusted(false)) return undefined;
    const raw = this.readEntry(this.path(url));
    if (!raw) return undefined;
    const nl = raw.indexOf(10);
    if (nl < 0) return undefined;
    try {
      const meta = JSON.parse(raw.subarray(0, nl).toString('utf8')) as CacheMeta;
      const body = raw.subarray(nl + 1);
      if (meta.url !== url || typeof meta.fetchedAtMs !== 'number' || body.length !== meta.bytes) return undefined;
      return { body, meta };
    } catch {
      return undefined;
    }
  }

  write(url: string, body: Buffer, meta: Omit<CacheMeta, 'url' | 'bytes'>): void {
    this.trusted(true);
    const full: CacheMeta = { url, bytes: body.length, ...meta };
    // A full disk must not leave a half-written temporary file behind; the old copy stays as it was.
    replaceFile(this.path(url), Buffer.concat([Buffer.from(JSON.stringify(full) + '\n'), body]), { mode: 0o644 });
  }

  /**
   * Every entry's metadata (fetched URLs and imported lists), sorted by key: what `relays show` and a
   * run without --relays use. Entries that cannot be read are left out (read() says the same).
   */
  list(): CacheMeta[] {
    if (!this.trusted(false)) return [];
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => /^relays-[0-9a-f]{32}\.cache$/.test(n)).sort();
    } catch {
      return [];
    }
    const out: CacheMeta[] = [];
    for (const n of names) {
      const raw = this.readEntry(join(this.dir, n));
      if (!raw) continue;
      const nl = raw.indexOf(10);
      if (nl < 0) continue;
      try {
        const meta = JSON.parse(raw.subarray(0, nl).toString('utf8')) as CacheMeta;
        if (typeof meta.url === 'string' && this.path(meta.url).endsWith(n) && raw.length - nl - 1 === meta.bytes) out.push(meta);
      } catch {
        // a torn or foreign file: not an entry
      }
    }
    return out.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }

  /** Record that a conditional request found the cached content still current. */
  touch(url: string, fetchedAtMs: number): void {
    const c = this.read(url);
    if (c) this.write(url, c.body, { ...c.meta, fetchedAtMs });
  }
}
