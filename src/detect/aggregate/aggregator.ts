import type { Logger } from 'pino';
import type { Detection } from '../detection.js';
import { RateLimiter } from './rate-limit.js';

/**
 * Aggregation between the detectors and the alert builder, in detection terms (no ECS here).
 *
 * Key: (rule, source address, destination address, transport, destination port), plus the hostname
 * for hostname rules (a DNS alert's destination is the resolver; without the name every .onion
 * lookup through one resolver would fold into one alert). The first match of a key is sent at once.
 * Repeats within the suppression window (default 1 h, as Zeek's notice suppression; 0 = off) are
 * counted, and when the window closes on the packet clock, or at the end of the run, one summary
 * carries first and last seen, the count and the source ports. Each first match passes the per-rule
 * rate limit; what it holds back is counted, and a held-back key is not tracked (its next match,
 * after the limit, is a first match again).
 */
export interface AggregateSummary {
  /** The key's first detection (sent as an alert when the window opened). */
  first: Detection;
  /** event.id of that first alert, to link the two. */
  firstAlertId?: string;
  /** Matches in the window, the first included. */
  count: number;
  /** Matches not sent on their own (count - 1). */
  suppressed: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
  /** Distinct initiator ports, in first-seen order, at most MAX_PORTS. */
  sourcePorts: number[];
  /** Whether there were more distinct source ports than listed. */
  sourcePortsTruncated: boolean;
  windowSec: number;
  /** Packet-clock time the summary was made: the window's end, or the end of input. */
  closeSec: number;
  closeNsec: number;
  reason: 'window' | 'end' | 'evicted';
}

export interface AggregatorOptions {
  /** Suppression window in seconds; 0 turns aggregation off (every detection is sent). */
  windowSec: number;
  /** Alerts per rule per minute; 0 turns the limit off. */
  ratePerMinute: number;
  /** Keys held at once; at the cap the oldest window closes early (its summary is sent). */
  maxKeys?: number;
  /** Send one alert for a detection; returns its event.id. */
  emitAlert(d: Detection): string | undefined;
  emitSummary(s: AggregateSummary): void;
  log?: Logger;
}

export interface AggregationStats {
  windowSec: number;
  ratePerMinute: number;
  /** Detections sent as their own alert. */
  sent: number;
  /** Repeats folded into summaries. */
  suppressed: number;
  summaries: number;
  /** Windows closed early because the key table was full. */
  evicted: number;
  /** Held back by the rate limit, by rule. */
  heldBack: Record<string, number>;
  heldBackTotal: number;
}

export const MAX_PORTS = 100;
const DEFAULT_MAX_KEYS = 100_000;

interface Entry {
  first: Detection;
  firstAlertId?: string;
  count: number;
  /** Earliest and latest match (inputs merged out of order can bring an earlier one later). */
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;
  ports: Set<number>;
  portsTruncated: boolean;
  endMs: number;
}

function detectionMs(d: Detection): number {
  return d.tsSec * 1000 + d.tsNsec / 1e6;
}

function keyOf(d: Detection): string {
  const f = d.flow;
  return `${d.rule.id}|${f.ipVersion}|${f.proto}|${f.a0},${f.a1},${f.a2},${f.a3}|${f.b0},${f.b1},${f.b2},${f.b3}|${f.bPort}|${d.hostname?.name.toLowerCase() ?? ''}`;
}

const hasPorts = (proto: number): boolean => proto === 6 || proto === 17 || proto === 132;

export class Aggregator {
  /** Earliest packet time at which a window closes (the pipeline calls advance() then). */
  nextDeadlineMs = Infinity;
  private readonly entries = new Map<string, Entry>();
  private readonly limiter: RateLimiter;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly counters = { sent: 0, suppressed: 0, summaries: 0, evicted: 0 };
  /** Repeats folded into summaries, by rule (the rate limiter counts its own hold-backs). */
  private readonly suppressedRule: Record<string, number> = {};

  constructor(private readonly o: AggregatorOptions) {
    this.windowMs = o.windowSec * 1000;
    this.maxKeys = o.maxKeys ?? DEFAULT_MAX_KEYS;
    this.limiter = new RateLimiter(o.ratePerMinute, o.log);
  }

  onDetection(d: Detection): void {
    const now = detectionMs(d);
    if (now >= this.nextDeadlineMs) this.advance(now);
    const key = this.windowMs > 0 ? keyOf(d) : '';
    const e = this.windowMs > 0 ? this.entries.get(key) : undefined;
    if (e) {
      e.count++;
      this.counters.suppressed++;
      this.suppressedRule[d.rule.id] = (this.suppressedRule[d.rule.id] ?? 0) + 1;
      if (d.tsSec > e.lastSec || (d.tsSec === e.lastSec && d.tsNsec > e.lastNsec)) {
        e.lastSec = d.tsSec;
        e.lastNsec = d.tsNsec;
      }
      if (d.tsSec < e.firstSec || (d.tsSec === e.firstSec && d.tsNsec < e.firstNsec)) {
        e.firstSec = d.tsSec;
        e.firstNsec = d.tsNsec;
      }
      this.addPort(e, d);
      return;
    }
    if (!this.limiter.allow(d.rule.id, now)) return;
    const id = this.o.emitAlert(d);
    this.counters.sent++;
    if (this.windowMs <= 0) return;
    if (this.entries.size >= this.maxKeys) {
      const [oldKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldKey);
      this.counters.evicted++;
      this.close(oldest, 'evicted', d.tsSec, d.tsNsec);
    }
    const entry: Entry = { first: d, firstAlertId: id, count: 1, firstSec: d.tsSec, firstNsec: d.tsNsec, lastSec: d.tsSec, lastNsec: d.tsNsec, ports: new Set(), portsTruncated: false, endMs: now + this.windowMs };
    this.addPort(entry, d);
    this.entries.set(key, entry);
    if (entry.endMs < this.nextDeadlineMs) this.nextDeadlineMs = entry.endMs;
  }

  /**
   * The packet clock moved to `nowMs`: close every window that ended. Entries are in order of their
   * first match, so only the head needs looking at.
   */
  advance(nowMs: number): void {
    for (const [key, e] of this.entries) {
      if (e.endMs > nowMs) break;
      this.entries.delete(key);
      const f = e.first;
      // Window end exactly: first match time + window (whole seconds when the window is whole).
      this.close(e, 'window', f.tsSec + Math.floor(this.o.windowSec), f.tsNsec + Math.round((this.o.windowSec % 1) * 1e9));
    }
    this.nextDeadlineMs = this.headDeadline();
  }

  /** End of input or shutdown at packet time `nowMs`: every open window closes now. */
  finish(nowMs: number): void {
    const { sec, nsec } = msToTime(nowMs);
    for (const e of this.entries.values()) {
      // A key whose last match is after the clock (time went backwards) closes at its last match.
      const later = e.lastSec > sec || (e.lastSec === sec && e.lastNsec > nsec);
      this.close(e, 'end', later ? e.lastSec : sec, later ? e.lastNsec : nsec);
    }
    this.entries.clear();
    this.nextDeadlineMs = Infinity;
    this.limiter.finish();
  }

  /** Matches not sent as alerts of their own, by rule: folded repeats plus rate-limit hold-backs. */
  suppressedByRule(): Record<string, number> {
    const out: Record<string, number> = { ...this.suppressedRule };
    for (const [rule, n] of Object.entries(this.limiter.heldBack)) out[rule] = (out[rule] ?? 0) + n;
    return out;
  }

  stats(): AggregationStats {
    return {
      windowSec: this.o.windowSec,
      ratePerMinute: this.o.ratePerMinute,
      ...this.counters,
      heldBack: { ...this.limiter.heldBack },
      heldBackTotal: this.limiter.totalHeldBack,
    };
  }

  private headDeadline(): number {
    const head = this.entries.values().next();
    return head.done ? Infinity : head.value.endMs;
  }

  private addPort(e: Entry, d: Detection): void {
    if (!hasPorts(d.flow.proto)) return;
    if (e.ports.size < MAX_PORTS) e.ports.add(d.flow.aPort);
    else if (!e.ports.has(d.flow.aPort)) e.portsTruncated = true;
  }

  private close(e: Entry, reason: AggregateSummary['reason'], closeSec: number, closeNsec: number): void {
    if (e.count <= 1) return; // nothing was suppressed: the first alert said it all
    let sec = closeSec;
    let nsec = closeNsec;
    if (nsec >= 1e9) {
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    this.counters.summaries++;
    this.o.emitSummary({
      first: e.first,
      firstAlertId: e.firstAlertId,
      count: e.count,
      suppressed: e.count - 1,
      firstSec: e.firstSec,
      firstNsec: e.firstNsec,
      lastSec: e.lastSec,
      lastNsec: e.lastNsec,
      sourcePorts: [...e.ports],
      sourcePortsTruncated: e.portsTruncated,
      windowSec: this.o.windowSec,
      closeSec: sec,
      closeNsec: nsec,
      reason,
    });
  }
}

/** Pipeline clock (float ms) to whole seconds + nanoseconds, at microsecond precision (a double holds no more). */
export function msToTime(ms: number): { sec: number; nsec: number } {
  if (!Number.isFinite(ms)) return { sec: 0, nsec: 0 };
  const sec = Math.floor(ms / 1000);
  const us = Math.round((ms - sec * 1000) * 1000);
  return us >= 1e6 ? { sec: sec + 1, nsec: 0 } : { sec, nsec: us * 1000 };
}
