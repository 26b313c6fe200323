/**
 * Text as one line of plain text: control characters (C0, DEL, C1) and the Unicode line and
 * paragraph separators are written as escapes (`\n`, `\x1b`, `\u2028`). For anything a person reads on
 * a terminal that may quote hostile input: error messages quote list lines, JSON parser excerpts and
 * option values; the report prints SNI and Host names from captured traffic. Neither may break a line
 * or send escape sequences to the terminal.
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

/** Marker appended to a string cut at its cap, so nobody mistakes it for the whole value. */
export const TRUNCATED = '[truncated]';

/**
 * `n` bytes at `o` of packet data as a short printable string for an event or an alert: at most `max`
 * bytes are read (with TRUNCATED appended when there were more), as latin1, control characters escaped.
 */
export function boundedText(b: Uint8Array, o: number, n: number, max: number): string {
  const take = Math.max(0, Math.min(n, max, b.length - o));
  let s = '';
  for (let i = o; i < o + take; i++) s += String.fromCharCode(b[i]);
  return oneLine(s) + (n > take ? TRUNCATED : '');
}
