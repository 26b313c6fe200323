import { DIR_DONE, type DirParser } from './parser.js';

/**
 * Two parsers reading the same direction side by side (the opaque-stream observer and a protocol's
 * scan of unrecognised streams). Each gets every chunk until it says it is done; the direction is done
 * when both are. Neither may hand over (`next`): both consume whole chunks.
 */
export class TeeDirection implements DirParser {
  next: DirParser | null = null;

  constructor(private a: DirParser | null, private b: DirParser | null) {}

  push(buf: Uint8Array, off: number, len: number): number {
    if (this.a && this.a.push(buf, off, len) === DIR_DONE) {
      this.a.close();
      this.a = null;
    }
    if (this.b && this.b.push(buf, off, len) === DIR_DONE) {
      this.b.close();
      this.b = null;
    }
    return this.a || this.b ? len : DIR_DONE;
  }

  close(): void {
    this.a?.close();
    this.b?.close();
    this.a = null;
    this.b = null;
  }
}
