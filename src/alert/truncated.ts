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

/** FIELDS split once: the parent's keys and the field's own key (an alert is built per detection). */
const PLAN = FIELDS.map(([path, max, keep]) => {
  const parts = path.split('.');
  return { path, parents: parts.slice(0, -1), key: parts[parts.length - 1], max, keep };
});

/** Cut what is over its limit and list every cut field in doc.torwatch.truncated. */
export function markTruncated(doc: Record<string, unknown>): void {
  let cut: string[] | undefined;
  for (let i = 0; i < PLAN.length; i++) {
    const { path, parents, key, max, keep } = PLAN[i];
    const parent = objectAt(doc, parents);
    if (!parent) continue;
    const v = parent[key];
    if (typeof v === 'string') {
      if (v.length > max) {
        parent[key] = cutTo(v, max, keep);
        (cut ??= []).push(path);
      }
    } else if (Array.isArray(v) && v.some((x) => typeof x === 'string' && x.length > max)) {
      parent[key] = v.map((x: unknown) => (typeof x === 'string' ? cutTo(x, max, keep) : x));
      (cut ??= []).push(path);
    }
  }
  if (cut === undefined) return;
  const tw = (doc.torwatch ??= {}) as Record<string, unknown>;
  tw.truncated = cut;
}

function cutTo(s: string, max: number, keep: 'tail' | 'head'): string {
  return s.length <= max + 1 ? s : keep === 'tail' ? boundName(s, max) : boundText(s, max);
}

function objectAt(doc: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> | undefined {
  let o: unknown = doc;
  for (let i = 0; i < keys.length; i++) {
    if (typeof o !== 'object' || o === null) return undefined;
    o = (o as Record<string, unknown>)[keys[i]];
  }
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Record<string, unknown>) : undefined;
}
