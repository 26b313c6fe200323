/**
 * One captured frame, exactly as a capture source (file or live) hands it to the pipeline.
 *
 * A single Frame object is reused for every record: `buf` is a view of the source's current chunk and
 * the bytes `buf[off, off + caplen)` are valid only until the sink returns. Nothing downstream may keep
 * `buf` past that without copying the part it needs (app-layer reassembly copies, bounded).
 */
export class Frame {
  /** Buffer holding the record's bytes (a chunk of the file or a live batch; not a per-packet copy). */
  buf: Buffer = Buffer.alloc(0);
  /** Offset of the first link-layer byte in `buf`. */
  off = 0;
  /** Bytes captured (present in `buf`). */
  caplen = 0;
  /** Length on the wire (may exceed caplen when the capture was snapped). */
  wirelen = 0;
  /** Timestamp, whole seconds since the epoch (UTC). */
  tsSec = 0;
  /** Timestamp, nanoseconds within the second (0..999_999_999). */
  tsNsec = 0;
  /** Link type (LINKTYPE_* number, https://www.tcpdump.org/linktypes.html). */
  linktype = 0;
  /** pcapng interface index (0 for classic pcap and live sources with one interface). */
  ifIndex = 0;
  /** 1-based record number within the current input (for error messages and anomaly reports). */
  index = 0;
  /** Byte offset of this record's header within the (decompressed) input, for error messages. */
  fileOffset = 0;
}

/** Receives frames from a source. Must not keep `frame` or `frame.buf` after returning. */
export type FrameSink = (frame: Frame) => void;
