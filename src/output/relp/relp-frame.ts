/**
 * RELP framing (librelp's doc/relp.md): `TXNR SP COMMAND SP DATALEN [SP DATA] LF`. TXNR is 1 to
 * 999,999,999 (0 is for hints such as `serverclose`), COMMAND 1-32 letters, DATALEN at most 9
 * digits; the LF trailer catches framing errors. Responses are frames with the command `rsp` whose
 * data is `CODE [SP HUMAN-TEXT] [LF COMMAND-DATA]`.
 */
export const MAX_TXNR = 999_999_999;

export interface RelpFrame {
  txnr: number;
  command: string;
  data: Buffer;
}

export class RelpProtocolError extends Error {}

/** The next transaction number: 1, 2, ... 999,999,999, then 1 again (0 is reserved for hints). */
export function nextTxnr(t: number): number {
  return t >= MAX_TXNR ? 1 : t + 1;
}

export function encodeFrame(txnr: number, command: string, data: Buffer | string = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = body.length ? `${txnr} ${command} ${body.length} ` : `${txnr} ${command} 0`;
  return Buffer.concat([Buffer.from(head, 'ascii'), body, Buffer.from('\n')]);
}

const SP = 0x20;
const LF = 0x0a;

/**
 * Frames from a byte stream, however it is cut. Bounded: a frame whose header is malformed, or whose
 * data is longer than `maxData`, is a RelpProtocolError (the session is then dropped, as the RELP
 * spec says to do on a framing error), never an unbounded buffer.
 */
export class RelpFrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxData: number) {}

  /** Bytes held for a frame not complete yet (at most a header, maxData and the trailer). */
  get pending(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): RelpFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RelpFrame[] = [];
    for (;;) {
      const f = this.parseOne();
      if (!f) break;
      out.push(f.frame);
      this.buf = this.buf.subarray(f.used);
    }
    return out;
  }

  /** One frame from the start of the buffer, or undefined when it is not complete yet. */
  private parseOne(): { frame: RelpFrame; used: number } | undefined {
    const b = this.buf;
    let i = 0;
    const number = (what: string): number | undefined => {
      const start = i;
      while (i < b.length && b[i] >= 0x30 && b[i] <= 0x39) {
        i++;
        if (i - start > 9) throw new RelpProtocolError(`${what} has more than 9 digits`);
      }
      if (i === b.length) return undefined;
      if (i === start) throw new RelpProtocolError(`${what} is not a number`);
      return Number(b.subarray(start, i).toString('ascii'));
    };
    const txnr = number('TXNR');
    if (txnr === undefined) return undefined;
    if (b[i] !== SP) throw new RelpProtocolError('no space after TXNR');
    i++;
    const cmdStart = i;
    while (i < b.length && ((b[i] | 0x20) >= 0x61 && (b[i] | 0x20) <= 0x7a)) {
      i++;
      if (i - cmdStart > 32) throw new RelpProtocolError('COMMAND is longer than 32 letters');
    }
    if (i === b.length) return undefined;
    if (i === cmdStart || b[i] !== SP) throw new RelpProtocolError('COMMAND is not letters followed by a space');
    const command = b.subarray(cmdStart, i).toString('ascii');
    i++;
    const len = number('DATALEN');
    if (len === undefined) return undefined;
    if (len > this.maxData) throw new RelpProtocolError(`DATALEN ${len} is over ${this.maxData}`);
    if (len === 0) {
      if (b[i] !== LF) throw new RelpProtocolError('no LF after an empty frame');
      return { frame: { txnr, command, data: Buffer.alloc(0) }, used: i + 1 };
    }
    if (b[i] !== SP) throw new RelpProtocolError('no space after DATALEN');
    i++;
    if (b.length < i + len + 1) return undefined;
    if (b[i + len] !== LF) throw new RelpProtocolError('frame does not end in LF where DATALEN says');
    return { frame: { txnr, command, data: Buffer.from(b.subarray(i, i + len)) }, used: i + len + 1 };
  }
}

export interface RelpResponse {
  code: number;
  text: string;
  /** What follows the first LF (the server's offers in the answer to `open`). */
  rest: string;
}

export function parseResponse(data: Buffer): RelpResponse {
  const s = data.toString('utf8');
  const m = /^(\d{3})(?: ([^\n]*))?(?:\n([\s\S]*))?$/.exec(s);
  if (!m) throw new RelpProtocolError(`rsp data '${s.slice(0, 40)}' does not start with a 3-digit code`);
  return { code: Number(m[1]), text: m[2] ?? '', rest: m[3] ?? '' };
}

/** Offers (`name=value,value` lines) from an `open` command or its response. */
export function parseOffers(text: string): Map<string, string[]> {
  const offers = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    offers.set(name, eq < 0 ? [] : line.slice(eq + 1).split(','));
  }
  return offers;
}
