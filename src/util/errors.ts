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

/**
 * The message as one line of plain text: control characters (C0, DEL, C1) and the Unicode line and
 * paragraph separators are written as escapes (`\n`, `\x1b`, `\u2028`). Messages quote what the user's
 * input held (a list line, a JSON parser's excerpt, an option value), and that input may be hostile:
 * a fetched relay list or a field of captured traffic must not be able to break the one-line promise
 * or send escape sequences to the terminal that shows the error.
 */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const n = c.charCodeAt(0);
    return n <= 0xff ? '\\x' + n.toString(16).padStart(2, '0') : '\\u' + n.toString(16);
  });
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
