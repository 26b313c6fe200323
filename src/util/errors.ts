import { oneLine } from './printable.js';

/**
 * Errors that reach the user. Anything that is the user's fault (a bad option, an unreadable or
 * malformed file) is a UserError: the CLI prints its one-line message and exits 2. Everything else is
 * a bug (exit 1).
 */
export class UserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(oneLine(message));
    this.name = 'UserError';
  }
}

/** Where in an input a problem was found; every part optional, printed in this order. */
export interface InputLocation {
  /** The file as the user named it (`-` for stdin). */
  file: string;
  /** 1-based packet (record) number. */
  packet?: number;
  /** Byte offset within the (decompressed) input. */
  byteOffset?: number;
  /** 1-based line number, for text inputs (relay lists, intel, config). */
  line?: number;
}

/**
 * Malformed or unreadable input. The message names the file, the packet or line and the byte offset,
 * then what was wrong, on one line: `FILE: packet 7 at byte 1234: record caplen 4294967295 exceeds ...`.
 */
export class InputError extends UserError {
  /** What was wrong, as one line (see oneLine). */
  readonly what: string;

  constructor(
    readonly where: InputLocation,
    what: string,
  ) {
    super(formatLocation(where) + ': ' + what);
    this.what = oneLine(what);
    this.name = 'InputError';
  }
}

export function formatLocation(w: InputLocation): string {
  const parts: string[] = [w.file];
  const pos: string[] = [];
  if (w.packet !== undefined) pos.push(`packet ${w.packet}`);
  if (w.line !== undefined) pos.push(`line ${w.line}`);
  if (w.byteOffset !== undefined) pos.push(`byte offset ${w.byteOffset}`);
  if (pos.length) parts.push(pos.join(', '));
  return parts.join(': ');
}
