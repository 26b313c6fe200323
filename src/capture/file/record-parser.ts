/**
 * The contract between the chunk driver (read-loop.ts) and a format parser (pcap, pcapng).
 *
 * The driver owns one read buffer. It calls parse() after every read with the bytes not yet consumed
 * starting at `pos`; the parser delivers every complete record synchronously and returns where the
 * first incomplete one starts. The driver moves that tail to the front of the buffer (the only copy of
 * packet bytes: records straddling a read boundary), grows the buffer if `need` says the pending record
 * is bigger than it, reads more, and calls parse() again.
 */
export interface RecordParser {
  /**
   * Deliver every complete record in buf[pos, end). `base` is the offset of buf[0] in the
   * (decompressed) input, for Frame.fileOffset and error messages. Returns the offset in `buf` of the
   * first byte not consumed. Throws InputError on malformed input, after delivering the records before.
   */
  parse(buf: Buffer, pos: number, end: number, base: number): number;
  /**
   * After parse(): total bytes the unconsumed record needs, counted from the returned offset. Always
   * bounded by the format's cap (a record claiming more was rejected by parse()).
   */
  readonly need: number;
  /**
   * End of input, with `left` unconsumed bytes starting at input offset `at`. Throws InputError if the
   * input is truncated or incomplete as a whole; returns normally otherwise.
   */
  finish(left: number, at: number): void;
  /** Packet records delivered so far. */
  readonly records: number;
}
