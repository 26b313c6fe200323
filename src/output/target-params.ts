import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors.js';

/**
 * The query parameters of one --output URL, checked as they are read: every value has a type and a
 * range, an unknown or repeated parameter is refused, and every problem is one line naming the
 * target and the parameter.
 */
const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i;
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `8192`, `64k`, `256M`, `1GiB` -> bytes (binary multiples); undefined when not a size. */
export function parseSize(v: string): number | undefined {
  const m = SIZE_RE.exec(v.trim());
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Seconds (decimals allowed) -> ms; undefined when not a non-negative number. */
export function parseSeconds(v: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(v.trim())) return undefined;
  return Math.round(Number(v) * 1000);
}

function parseBool(v: string): boolean | undefined {
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  return undefined;
}

export class Params {
  constructor(
    /** The target as shown in messages (passwords masked). */
    readonly target: string,
    private readonly q: URLSearchParams,
    known: readonly string[],
  ) {
    // Every unknown parameter in one message: a user fixing a URL should not meet them one run at a time.
    const unknown = [...new Set(q.keys())].filter((k) => !known.includes(k));
    if (unknown.length) throw this.error(`unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (known here: ${known.join(', ')})`);
    for (const k of new Set(q.keys())) {
      if (q.getAll(k).length > 1) throw this.error(`parameter '${k}' given twice`);
    }
  }

  error(what: string): UserError {
    return new UserError(`--output ${this.target}: ${what}`);
  }

  str(k: string): string | undefined {
    const v = this.q.get(k);
    if (v === null) return undefined;
    if (v === '') throw this.error(`parameter '${k}' is empty`);
    return v;
  }

  size(k: string, def: number, min = 1): number {
    const v = this.str(k);
    if (v === undefined) return def;
    const n = parseSize(v);
    if (n === undefined || n < min) throw this.error(`${k}='${v}' is not a size of at least ${min} bytes (e.g. 8192, 64k, 256M)`);
    return n;
  }

  seconds(k: string, def: number): number {
    const v = this.str(k);
    if (v === undefined) return def;
    const n = parseSeconds(v);
    if (n === undefined) throw this.error(`${k}='${v}' is not a number of seconds`);
    return n;
  }

  bool(k: string, def: boolean): boolean {
    const v = this.str(k);
    if (v === undefined) return def;
    const b = parseBool(v);
    if (b === undefined) throw this.error(`${k}='${v}' is not true/false`);
    return b;
  }

  int(k: string, def: number, min: number, max: number): number {
    const v = this.str(k);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw this.error(`${k}='${v}' is not a whole number from ${min} to ${max}`);
    return Number(v);
  }

  /** One of a fixed set of words. */
  oneOf<T extends string>(k: string, def: T, allowed: readonly T[]): T {
    const v = this.str(k);
    if (v === undefined) return def;
    if (!(allowed as readonly string[]).includes(v)) throw this.error(`${k}='${v}' is not ${allowed.join(' or ')}`);
    return v as T;
  }
}

/** host and port of a URL (IPv6 brackets removed); a path after them is refused unless `pathOk`. */
export function hostPort(u: URL, p: Params, defPort: number, example: string, pathOk = false): { host: string; port: number } {
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw p.error(`needs a host, e.g. ${example}`);
  if (!pathOk && u.pathname && u.pathname !== '/' && u.pathname !== '') throw p.error(`unexpected path '${u.pathname}' after host:port`);
  const port = u.port ? Number(u.port) : defPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw p.error(`port '${u.port}' is not 1-65535`);
  return { host, port };
}

/**
 * The target as logs, the run summary and metrics show it: a password (or a NATS token, which is the
 * user part alone) in the URL is replaced by `***`, so credentials never reach a log or a scrape.
 */
export function redactTarget(target: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i.exec(target);
  if (!m) return target;
  const scheme = m[1].toLowerCase();
  const userinfo = m[2];
  const colon = userinfo.indexOf(':');
  const masked = colon >= 0 ? `${userinfo.slice(0, colon)}:***` : scheme.startsWith('nats') ? '***' : userinfo;
  return m[1] + masked + '@' + target.slice(m[0].length);
}

/** The secret in a file: its first line (a trailing newline is not part of it). */
export function readSecretFile(p: Params, what: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw p.error(`${what} ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const first = text.split(/\r?\n/)[0];
  if (!first) throw p.error(`${what} ${path}: empty`);
  return first;
}
