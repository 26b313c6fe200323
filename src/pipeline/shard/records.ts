/**
 * What a shard worker tells the merge point: the calls its pipeline would have made on the detect
 * engine (a flow opened, a packet placed, an app-layer fact, a flow ended), as numbers in one
 * Float64Array per batch (transferred, not copied), with the facts themselves as plain objects beside
 * it. The merge point (merge.ts) makes the same calls, in the order one pipeline would have made them,
 * on the one detect engine, so detection and every state that crosses flows (DNS answers, host
 * evidence, aggregation) see exactly what a single pipeline sees.
 *
 * Every record starts with its opcode and the run-wide number (ordinal) of the frame it belongs to.
 */

/** A flow was created by this frame: its identity follows (worker-pipeline.ts `open`, merge.ts OP_OPEN). */
export const OP_OPEN = 1;
/** A decoded frame placed on a flow: accounting, then (if new) detect.flowOpened. */
export const OP_FRAME = 2;
/** An app-layer fact about a flow (its object is `events[i]`). */
export const OP_EVENT = 3;
/** The app layer has read the frame: detect.onPacket. */
export const OP_PACKET = 4;
/** A flow is ending: its sort key follows; its last app-layer facts come before OP_END. */
export const OP_END_BEGIN = 5;
/** detect.onFlowEnd, and the flow is gone. */
export const OP_END = 6;

/** Why a flow ended, as numbers (FlowEndReason). */
export const END_REASONS = ['timeout', 'evicted', 'reused', 'shutdown'] as const;

/**
 * When in its frame a flow end happened: idle expiry runs before the frame is placed, in every worker at
 * once (ordered across workers by timeout class, then by latest packet, as one table's LRU lists
 * are); evictions and port reuse belong to the owner's frame; the end-of-input flush comes last
 * (ordered by last activity, then flow number, as FlowTable.flushAll does).
 */
export const PHASE_EXPIRY = 0;
export const PHASE_OWNER = 1;
export const PHASE_FLUSH = 2;

/** Record lengths (numbers, opcode included). */
export const LEN_OPEN = 23;
export const LEN_FRAME = 9;
export const LEN_EVENT = 7;
export const LEN_PACKET = 3;
export const LEN_END_BEGIN = 8;
export const LEN_END = 4;

/** A growable Float64Array that a batch's records are appended to; taken (and replaced) when posted. */
export class RecordWriter {
  buf: Float64Array;
  len = 0;

  constructor(private readonly initial = 1 << 14) {
    this.buf = new Float64Array(initial);
  }

  /** Room for `n` more numbers (doubling: amortised, and bounded by the batch size the worker posts at). */
  reserve(n: number): Float64Array {
    if (this.len + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.len + n) size *= 2;
      const next = new Float64Array(size);
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    return this.buf;
  }

  /** The records written so far, as their own buffer (to transfer); the writer starts again empty. */
  take(): Float64Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    if (this.buf.length > this.initial * 16) this.buf = new Float64Array(this.initial);
    return out;
  }
}
