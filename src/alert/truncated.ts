import { boundName, boundText, NAME_MAX, TEXT_MAX, URL_MAX } from '../util/bound.js';

/**
 * The alert fields that carry strings a packet sender (or a server) chose, with their limits
 * (util/bound.ts). Parsers cut these strings where they are made; here the built alert is checked
 * once more, so a field no parser bounded is still cut, and every cut field is named in
 * torwatch.truncated (an analyst then knows `tls.client.server_name` is the name's last 253
 * characters, not the whole name).
 */
const FIELDS: readonly (readonly [path: string, max: number, keep: 'tail' | 'head'])[] = [
  ['tls.client.server_name', NAME_MAX, 'tail'],
  ['dns.question.name', NAME_MAX, 'tail'],
  ['url.domain', NAME_MAX, 'tail'],
  ['destination.domain', NAME_MAX, 'tail'],
  ['source.domain', NAME_MAX, 'tail'],
  ['related.hosts', NAME_MAX, 'tail'],
  ['torwatch.hostname.name', NAME_MAX, 'tail'],
  ['tls.server.x509.subject.common_name', NAME_MAX, 'tail'],
  ['tls.server.x509.issuer.common_name', NAME_MAX, 'tail'],
  ['url.original', URL_MAX, 'head'],
  ['url.path', URL_MAX, 'head'],
  ['url.query', URL_MAX, 'head'],
  ['http.request.method', 32, 'head'],
  ['user_agent.original', TEXT_MAX, 'head'],
];

/** Cut what is over its limit and list every cut field in doc.torwatch.truncated. */
export function markTruncated(doc: Record<string, unknown>): void {
  const cut: string[] = [];
  for (const [path, max, keep] of FIELDS) {
    const dot = path.lastIndexOf('.');
    const parent = objectAt(doc, path.slice(0, dot));
    if (!parent) continue;
    const key = path.slice(dot + 1);
    const v = parent[key];
    const fix = (s: string): string => (s.length <= max + 1 ? s : keep === 'tail' ? boundName(s, max) : boundText(s, max));
    if (typeof v === 'string') {
      if (v.length > max) {
        parent[key] = fix(v);
        cut.push(path);
      }
    } else if (Array.isArray(v) && v.some((x) => typeof x === 'string' && x.length > max)) {
      parent[key] = v.map((x: unknown) => (typeof x === 'string' ? fix(x) : x));
      cut.push(path);
    }
  }
  if (cut.length === 0) return;
  const tw = (doc.torwatch ??= {}) as Record<string, unknown>;
  tw.truncated = cut;
}

function objectAt(doc: Record<string, unknown>, path: string): Record<string, unknown> | undefined {
  let o: unknown = doc;
  for (const k of path.split('.')) {
    if (typeof o !== 'object' || o === null) return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
}
