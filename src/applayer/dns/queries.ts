/**
 * The DNS queries one flow (a client's UDP 5-tuple, or a DNS-over-TCP connection) has sent, so an
 * answer can be told apart from one nobody asked for: an answer is solicited when a query of the same
 * id and name went the other way. Bounded: the last MAX_PENDING queries, as (id, name hash) numbers,
 * never the names themselves (a flood of DNS flows costs a fixed, small amount each).
 */
export const MAX_PENDING = 16;

export const AnswerMatch = {
  /** A query with this id and name was seen: the answer was asked for. */
  SOLICITED: 0,
  /** This flow showed no query at all (an asymmetric capture, or the query went before the capture). */
  NO_QUERY_SEEN: 1,
  /** Queries were seen on this flow, but none with this id and name: an unsolicited (spoofed) answer. */
  UNSOLICITED: 2,
} as const;
export type AnswerMatchValue = (typeof AnswerMatch)[keyof typeof AnswerMatch];

export class DnsQueries {
  /** Queries seen on the flow, ever. */
  seen = 0;
  private readonly ids = new Uint32Array(MAX_PENDING);
  private readonly names = new Uint32Array(MAX_PENDING);

  /** A query `id` for `name` was sent. */
  query(id: number, name: string): void {
    const i = this.seen++ % MAX_PENDING;
    this.ids[i] = id;
    this.names[i] = nameHash(name);
  }

  /** Whether an answer with `id` for `name` answers a query this flow sent. */
  match(id: number, name: string): AnswerMatchValue {
    if (this.seen === 0) return AnswerMatch.NO_QUERY_SEEN;
    const h = nameHash(name);
    const n = Math.min(this.seen, MAX_PENDING);
    for (let i = 0; i < n; i++) if (this.ids[i] === id && this.names[i] === h) return AnswerMatch.SOLICITED;
    return AnswerMatch.UNSOLICITED;
  }
}

/** FNV-1a over the lowercased name (DNS names compare case-insensitively; 0x20 randomisation). */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}
