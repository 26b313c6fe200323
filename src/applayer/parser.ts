/**
 * One direction's parser inside a TCP session: it is fed the in-order byte stream in chunks.
 *
 * `push` returns how many bytes it consumed. Fewer than offered means it hands the direction over to
 * `next` (e.g. HTTP CONNECT hands over to TLS, a sniffer to the protocol it recognised) and the
 * session feeds the rest to `next`; -1 means this direction needs no more bytes. `close` gives back any
 * memory it holds (called once, when it is replaced, finishes, or the flow ends).
 */
export interface DirParser {
  push(buf: Uint8Array, off: number, len: number): number;
  next?: DirParser | null;
  close(): void;
}

export const DIR_DONE = -1;
