import { u24 } from '../../util/bytes.js';
import { AppAnomaly } from '../anomalies.js';
import { DIR_DONE, type DirParser } from '../parser.js';
import { certificateNames, firstCertificate, type CertificateNames } from './certificate.js';
import { parseClientHello, type ClientHello } from './client-hello.js';
import { HandshakeType } from './grease.js';
import { ContentType, isRecordHeader, RECORD_HEADER_LEN } from './record.js';
import { parseServerHello, type ServerHello } from './server-hello.js';

const EMPTY = new Uint8Array(0);

/** What one direction's TLS parser reports to its session. */
export interface TlsHooks {
  clientHello(h: ClientHello, dir: number): void;
  serverHello(h: ServerHello, dir: number): void;
  /** The leaf certificate's names (undefined: a Certificate message whose leaf could not be read). */
  certificate(names: CertificateNames | undefined, dir: number): void;
  /** The side that sent the ClientHello sent another record: it has moved on past the hello. */
  clientMovedOn(dir: number): void;
  anomaly(id: number): void;
  reserve(n: number): boolean;
  release(n: number): void;
}

/** Largest ClientHello/ServerHello buffered (a post-quantum ClientHello is ~2 KB; 64 KiB is generous). */
export const MAX_HELLO = 64 * 1024;
/** Most bytes of a Certificate message buffered to reach the end of its leaf certificate. */
export const MAX_LEAF = 64 * 1024;

/**
 * One direction of a TLS connection, up to the end of its cleartext handshake: records are framed,
 * handshake messages reassembled across records and segments (copied only when one spans chunks),
 * and the ClientHello, ServerHello and the leaf of the Certificate message parsed. The direction is
 * done after the ClientHello (once the client's next record shows it moved on), after a TLS 1.3
 * ServerHello (everything later is encrypted), after the leaf certificate, or at the first
 * ChangeCipherSpec, alert or application data record.
 */
export class TlsDirection implements DirParser {
  next: DirParser | null = null;
  // The record header being read (it may straddle chunks): bytes so far, type, version, length.
  private hdrLen = 0;
  private hdrType = 0;
  private hdrMajor = 0;
  private hdrMinor = 0;
  private hdrLength = 0;
  private recLeft = 0;
  private sentClientHello = false;
  private sawServerHello = false;

  // Handshake message being assembled: its 4-byte header, then (buffered mode) its body.
  private mhdrLen = 0;
  private mtype = 0;
  private mlen = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  /** Bytes of the body to buffer (the message length, or MAX_LEAF of a Certificate). */
  private bodyTarget = 0;

  constructor(private readonly hooks: TlsHooks, readonly dir: number) {}

  push(buf: Uint8Array, off: number, len: number): number {
    let p = off;
    const end = off + len;
    while (p < end) {
      if (this.recLeft === 0) {
        while (this.hdrLen < RECORD_HEADER_LEN && p < end) this.headerByte(buf[p++]);
        if (this.hdrLen < RECORD_HEADER_LEN) break;
        this.hdrLen = 0;
        const type = this.hdrType;
        const length = this.hdrLength;
        if (!isRecordHeader(type, this.hdrMajor, this.hdrMinor, length)) {
          this.hooks.anomaly(AppAnomaly['tls.bad_record']);
          return DIR_DONE;
        }
        if (this.sentClientHello && this.mhdrLen === 0) {
          this.hooks.clientMovedOn(this.dir);
          return DIR_DONE;
        }
        // ChangeCipherSpec, alert, application data: the cleartext handshake of this side is over.
        if (type !== ContentType.HANDSHAKE) return DIR_DONE;
        this.recLeft = length;
        continue;
      }
      const n = Math.min(this.recLeft, end - p);
      this.recLeft -= n;
      if (!this.handshake(buf, p, n)) return DIR_DONE;
      p += n;
    }
    return len;
  }

  close(): void {
    this.dropBody();
  }

  private headerByte(b: number): void {
    switch (this.hdrLen++) {
      case 0: this.hdrType = b; break;
      case 1: this.hdrMajor = b; break;
      case 2: this.hdrMinor = b; break;
      case 3: this.hdrLength = b << 8; break;
      default: this.hdrLength |= b;
    }
  }

  /** Handshake-layer bytes from a record. Returns false when this direction is done. */
  private handshake(buf: Uint8Array, off: number, len: number): boolean {
    let p = off;
    const end = off + len;
    while (p < end) {
      if (this.mhdrLen < 4) {
        // Fast path: a whole message inside this chunk is parsed in place, without a copy.
        if (this.mhdrLen === 0 && end - p >= 4) {
          const mlen = u24(buf, p + 1);
          if (end - p - 4 >= mlen) {
            if (!this.message(buf[p], buf, p + 4, p + 4 + mlen, true)) return false;
            p += 4 + mlen;
            continue;
          }
        }
        while (this.mhdrLen < 4 && p < end) {
          const b = buf[p++];
          if (this.mhdrLen++ === 0) {
            this.mtype = b;
            this.mlen = 0;
          } else this.mlen = (this.mlen << 8) | b;
        }
        if (this.mhdrLen < 4) break;
        if (!this.startBuffered()) return false;
        if (this.mlen === 0) {
          this.mhdrLen = 0;
          if (!this.message(this.mtype, EMPTY, 0, 0, true)) return false;
        }
        continue;
      }
      const n = Math.min(this.bodyTarget - this.bodyFill, end - p);
      // Memory follows the bytes that came, not the length the header claimed.
      if (!this.growBody(this.bodyFill + n)) return false;
      const body = this.body!;
      body.set(buf.subarray(p, p + n), this.bodyFill);
      this.bodyFill += n;
      p += n;
      const complete = this.bodyFill === this.mlen;
      if (this.mtype === HandshakeType.CERTIFICATE) {
        // The leaf may be complete long before the whole chain.
        if (!this.message(this.mtype, body, 0, this.bodyFill, complete)) return false;
        continue;
      }
      if (this.bodyFill === this.bodyTarget) {
        this.mhdrLen = 0;
        const ok = this.message(this.mtype, body, 0, this.bodyFill, true);
        this.dropBody();
        if (!ok) return false;
      }
    }
    return true;
  }

  /** A message header arrived and its body spans chunks: decide whether and how much to buffer. */
  private startBuffered(): boolean {
    const t = this.mtype;
    if (t === HandshakeType.CLIENT_HELLO || t === HandshakeType.SERVER_HELLO) {
      if (this.mlen > MAX_HELLO) {
        this.hooks.anomaly(AppAnomaly['tls.handshake_too_long']);
        return false;
      }
      return this.allocBody(this.mlen);
    }
    if (t === HandshakeType.CERTIFICATE) return this.allocBody(Math.min(this.mlen, MAX_LEAF));
    if (!this.sentClientHello && !this.sawServerHello) {
      // A handshake message before any hello: not a stream we can follow.
      this.hooks.anomaly(AppAnomaly['tls.bad_handshake']);
      return false;
    }
    // ServerKeyExchange, ServerHelloDone... after a ServerHello without a Certificate: no certificate
    // will come in the clear (PSK, anonymous, or a resumed session).
    return false;
  }

  /** Buffer a body of `n` bytes: nothing is reserved yet (growBody reserves as the bytes arrive). */
  private allocBody(n: number): boolean {
    this.bodyTarget = n;
    this.bodyFill = 0;
    return true;
  }

  /**
   * Make room for `need` bytes of the body: the buffer grows (doubling, from 1 KiB, never past the
   * body's length) and each growth is reserved from the budget. A hello that claims 64 KiB and sends
   * 100 bytes holds about 1 KiB, not 64.
   */
  private growBody(need: number): boolean {
    const have = this.body?.length ?? 0;
    if (need <= have) return true;
    const size = Math.min(this.bodyTarget, Math.max(need, have * 2, 1024));
    if (!this.hooks.reserve(size - have)) {
      this.hooks.anomaly(AppAnomaly['stream.memcap']);
      return false;
    }
    const next = new Uint8Array(size);
    if (this.body) next.set(this.body.subarray(0, this.bodyFill));
    this.body = next;
    return true;
  }

  private dropBody(): void {
    if (this.body) this.hooks.release(this.body.length);
    this.body = null;
    this.bodyFill = 0;
    this.bodyTarget = 0;
  }

  /**
   * A handshake message body `buf[off, end)` (`complete` false: a Certificate still arriving).
   * Returns false when this direction is done.
   */
  private message(type: number, buf: Uint8Array, off: number, end: number, complete: boolean): boolean {
    switch (type) {
      case HandshakeType.CLIENT_HELLO: {
        if (this.sentClientHello || this.sawServerHello) return false;
        const h = parseClientHello(buf, off, end);
        if (!h) {
          this.hooks.anomaly(AppAnomaly['tls.bad_client_hello']);
          return false;
        }
        if (h.malformed) this.hooks.anomaly(AppAnomaly['tls.bad_client_hello']);
        this.sentClientHello = true;
        this.hooks.clientHello(h, this.dir);
        // Keep reading record headers: the next one tells that the client moved on.
        return true;
      }
      case HandshakeType.SERVER_HELLO: {
        if (this.sentClientHello || this.sawServerHello) return false;
        const h = parseServerHello(buf, off, end);
        if (!h) {
          this.hooks.anomaly(AppAnomaly['tls.bad_server_hello']);
          return false;
        }
        this.sawServerHello = true;
        this.hooks.serverHello(h, this.dir);
        // TLS 1.3: the certificate is encrypted; nothing more to read in the clear.
        return h.version < 0x0304;
      }
      case HandshakeType.CERTIFICATE: {
        if (!this.sawServerHello) {
          this.hooks.anomaly(AppAnomaly['tls.bad_handshake']);
          return false;
        }
        const leaf = firstCertificate(buf, off, end);
        if (leaf === null) {
          if (!complete && end - off < MAX_LEAF) return true; // wait for more of the chain
          this.hooks.anomaly(AppAnomaly['tls.bad_certificate']);
          return false;
        }
        const names = leaf ? certificateNames(buf, leaf.start, leaf.end) : undefined;
        if (!names) this.hooks.anomaly(AppAnomaly['tls.bad_certificate']);
        this.hooks.certificate(names, this.dir);
        return false;
      }
      default:
        if (!this.sentClientHello && !this.sawServerHello) {
          this.hooks.anomaly(AppAnomaly['tls.bad_handshake']);
        }
        return false;
    }
  }
}
