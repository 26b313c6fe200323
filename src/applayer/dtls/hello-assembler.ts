import type { HandshakeFragment } from './record.js';

/** Largest DTLS ClientHello put together (a post-quantum key share makes one ~2 KB; 16 KiB is plenty). */
export const DTLS_HELLO_MAX = 16 * 1024;
/** Fragments kept while waiting for the rest (retransmissions included). */
const MAX_FRAGMENTS = 16;

export type AssembleResult =
  /** The whole message: its body in `buf[0, length)`. */
  | { done: true; buf: Uint8Array; length: number }
  | { done: false; error?: 'too-long' | 'too-many-fragments' | 'inconsistent' | 'memcap' };

/**
 * One DTLS handshake message (the ClientHello) put together from fragments that may come in any order,
 * repeated or overlapping (RFC 6347 4.2.3). The common case, a message in one fragment, is returned as
 * a view without copying. Otherwise each fragment's bytes are copied as they arrive, after reserving
 * them from the app-layer budget (never the length the message claims), and the message is assembled
 * once the fragments cover it.
 */
export class HelloAssembler {
  private readonly parts: { offset: number; bytes: Uint8Array }[] = [];
  private length = -1;
  private held = 0;

  constructor(
    private readonly reserve: (n: number) => boolean,
    private readonly release: (n: number) => void,
  ) {}

  push(buf: Uint8Array, f: HandshakeFragment): AssembleResult {
    if (f.length > DTLS_HELLO_MAX) return { done: false, error: 'too-long' };
    const n = f.end - f.start;
    if (f.offset === 0 && n === f.length && this.parts.length === 0) return { done: true, buf: buf.subarray(f.start, f.end), length: f.length };
    if (this.length < 0) this.length = f.length;
    else if (this.length !== f.length) return { done: false, error: 'inconsistent' };
    if (this.parts.length >= MAX_FRAGMENTS) return { done: false, error: 'too-many-fragments' };
    if (n > 0) {
      if (!this.reserve(n)) return { done: false, error: 'memcap' };
      this.held += n;
      this.parts.push({ offset: f.offset, bytes: buf.slice(f.start, f.end) });
    }
    return this.assemble();
  }

  /** Give back what is held (idempotent). */
  dispose(): void {
    if (this.held) this.release(this.held);
    this.held = 0;
    this.parts.length = 0;
  }

  private assemble(): AssembleResult {
    const parts = [...this.parts].sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of parts) {
      if (p.offset > covered) return { done: false };
      covered = Math.max(covered, p.offset + p.bytes.length);
    }
    if (covered < this.length) return { done: false };
    const out = new Uint8Array(this.length);
    for (const p of parts) out.set(p.bytes.subarray(0, Math.max(0, Math.min(p.bytes.length, this.length - p.offset))), p.offset);
    this.dispose();
    return { done: true, buf: out, length: out.length };
  }
}
