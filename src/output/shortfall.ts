import type { OutputStats } from './output.js';

/**
 * Whether an output fell short at the end of a run, and the one line that says so. An output falls
 * short when alerts given to it did not reach its destination: a file write the OS refused, a UDP or
 * unix-socket message not sent (too big, refused, dropped), a stream output (TCP, TLS) with alerts
 * still in its spool when the run ended (they go first the next time that output runs) or dropped from
 * a full spool. Stdout is never one: a reader that stops reading (`| head`) is a normal end.
 */
export function shortfall(s: OutputStats): string | undefined {
  if (s.target === '-') return undefined;
  const num = (k: string): number => (typeof s[k] === 'number' ? (s[k] as number) : 0);
  if (typeof s.spooled === 'number') {
    const left = num('spooled');
    const dropped = num('dropped');
    if (left === 0 && dropped === 0) return undefined;
    const parts = [`${num('delivered')} of ${s.written + num('dropped')} alerts delivered`];
    if (left) parts.push(`${left} wait in its spool for the next run with this output`);
    if (dropped) parts.push(`${dropped} dropped (spool full)`);
    return `${s.target}: ${parts.join('; ')}`;
  }
  // A datagram output's `refused` are sent datagrams the receiver's host bounced (syslog-udp.ts): lost too.
  const refused = num('refused');
  if (s.failed === 0 && refused === 0) return undefined;
  // A file says how many of how many (the OS refused writes); a datagram output how many and why.
  if (typeof s.error === 'string') return `${s.target}: ${s.failed} of ${s.written + s.failed} alerts could not be written (${s.error})`;
  const notSent = s.failed - num('oversize') - num('dropped');
  const why = [notSent > 0 ? `${notSent} not sent` : '', num('oversize') ? `${num('oversize')} over max-size` : '', refused ? `${refused} sent but refused by the receiver's host` : '', num('dropped') ? `${num('dropped')} dropped from a full queue` : ''].filter(Boolean).join(', ');
  return `${s.target}: ${s.failed + refused} alerts did not reach a receiver (${why})`;
}

/** Exit status of a run whose input was read but an output fell short (README: exit codes). */
export const EXIT_UNDELIVERED = 3;
