import type { Flow } from '../../flow/flow.js';
import { AppAnomaly, AppStat } from '../anomalies.js';
import type { AppContext } from '../context.js';
import { HelloAssembler } from '../dtls/hello-assembler.js';
import { DTLS_CLIENT_HELLO, DTLS_SERVER_HELLO, DtlsContent, isDtlsByte, looksLikeDtlsClientHello, readHandshakeFragment, readRecord } from '../dtls/record.js';
import type { DtlsClientHelloEvent } from '../events.js';
import { isStun, parseStun, STUN_BINDING } from '../stun/message.js';
import { parseClientHello } from '../tls/client-hello.js';
import { isGrease } from '../tls/grease.js';
import { ja4 } from '../tls/ja4.js';
import { ja4s } from '../tls/ja4s.js';
import { parseServerHello } from '../tls/server-hello.js';
import type { UdpSession } from '../udp-session.js';
import { TRUNCATED } from '../../util/printable.js';

/** Datagrams read per flow: ICE checks and the DTLS handshake come within the first few dozen. */
export const WEBRTC_MAX_DATAGRAMS = 256;
/** STUN facts reported per flow (one per direction, class and ice kind, at most this many). */
const MAX_STUN_EVENTS = 6;
/** DTLS records read per datagram. */
const MAX_RECORDS = 8;
/** Host names kept at most this long (RFC 1035: 253 characters of text). */
const NAME_MAX = 253;

/** Whether a UDP flow's first datagram is STUN or a DTLS ClientHello (UDP_PROTOCOLS' claim). */
export function claimsWebRtc(buf: Uint8Array, off: number, len: number): boolean {
  return isStun(buf, off, len) || looksLikeDtlsClientHello(buf, off, len);
}

/**
 * A UDP flow carrying STUN and/or DTLS, demultiplexed by first byte as WebRTC does (RFC 7983: 0-3
 * STUN, 20-63 DTLS; RTP, TURN channels and anything else are skipped). It reports STUN messages
 * (ICE servers' Binding answers, peers' connectivity checks) and the DTLS ClientHello, which the TLS
 * ClientHello parser reads (DTLS adds a cookie), and the ServerHello that answers it. Done when the
 * ServerHello was reported or after WEBRTC_MAX_DATAGRAMS datagrams.
 */
export class WebRtcSession implements UdpSession {
  finished = false;
  private datagrams = 0;
  private stunSeen = false;
  private iceSeen = false;
  /** Bits of the (dir, class, ice) kinds already reported, and how many STUN events were sent. */
  private stunKinds = 0;
  private stunEvents = 0;
  private hello: HelloAssembler | null = null;
  private clientHelloDone = false;

  constructor(private readonly flow: Flow, private readonly ctx: AppContext) {}

  datagram(buf: Uint8Array, off: number, len: number, dir: number): void {
    if (this.finished) return;
    if (++this.datagrams > WEBRTC_MAX_DATAGRAMS) return this.finish();
    if (len <= 0) return;
    const b0 = buf[off];
    if (b0 <= 3) this.stun(buf, off, len, dir);
    else if (isDtlsByte(b0)) this.dtls(buf, off, len, dir);
  }

  finish(): void {
    this.finished = true;
    this.hello?.dispose();
    this.hello = null;
  }

  private stun(buf: Uint8Array, off: number, len: number, dir: number): void {
    if (!isStun(buf, off, len)) return;
    const m = parseStun(buf, off, len);
    if (!m) {
      this.ctx.counters.anomaly(AppAnomaly['stun.malformed']);
      return;
    }
    this.stunSeen = true;
    if (m.ice) this.iceSeen = true;
    this.ctx.counters.stat(AppStat.stun_messages);
    if (m.method !== STUN_BINDING || this.stunEvents >= MAX_STUN_EVENTS) return;
    const bit = 1 << (dir * 8 + m.cls * 2 + (m.ice ? 1 : 0));
    if ((this.stunKinds & bit) !== 0) return;
    this.stunKinds |= bit;
    this.stunEvents++;
    this.ctx.emit(this.flow, { kind: 'stun-message', dir, cls: m.cls, method: m.method, ice: m.ice, mapped: m.mapped, software: m.software });
  }

  private dtls(buf: Uint8Array, off: number, len: number, dir: number): void {
    const end = off + len;
    let p = off;
    for (let i = 0; i < MAX_RECORDS && p < end && !this.finished; i++) {
      const r = readRecord(buf, p, end);
      if (!r) {
        // DTLS 1.3's encrypted records use a short header that readRecord does not take: only the first
        // record of a datagram that should be plaintext is an anomaly.
        if (i === 0 && this.hello === null && !this.stunSeen) this.ctx.counters.anomaly(AppAnomaly['dtls.bad_record']);
        return;
      }
      p = r.end;
      if (r.type !== DtlsContent.HANDSHAKE || r.epoch !== 0) continue;
      const f = readHandshakeFragment(buf, r.start, r.end);
      if (!f) {
        this.ctx.counters.anomaly(AppAnomaly['dtls.bad_handshake']);
        continue;
      }
      if (f.msgType === DTLS_SERVER_HELLO) {
        // A ServerHello is small and sent whole (RFC 6347 4.2.3 allows fragments; they are not followed).
        if (f.offset === 0 && f.end - f.start === f.length) this.serverHello(buf, f.start, f.end, dir);
        return this.finish();
      }
      if (f.msgType !== DTLS_CLIENT_HELLO || this.clientHelloDone) continue;
      this.hello ??= new HelloAssembler((n) => this.ctx.budget.reserve(n), (n) => this.ctx.budget.release(n));
      const res = this.hello.push(buf, f);
      if (res.done) {
        this.clientHelloDone = true;
        this.clientHello(res.buf, res.length, dir);
        this.hello.dispose();
        this.hello = null;
        continue;
      }
      if (res.error) {
        this.ctx.counters.anomaly(res.error === 'memcap' ? AppAnomaly['stream.memcap'] : AppAnomaly['dtls.bad_handshake']);
        return this.finish();
      }
    }
  }

  private clientHello(buf: Uint8Array, length: number, dir: number): void {
    const h = parseClientHello(buf, 0, length, true);
    if (!h) {
      this.ctx.counters.anomaly(AppAnomaly['dtls.bad_client_hello']);
      return;
    }
    this.ctx.counters.stat(AppStat.dtls_client_hellos);
    const ev: DtlsClientHelloEvent = {
      kind: 'dtls-client-hello',
      dir,
      version: h.legacyVersion,
      ciphers: h.ciphers,
      extensions: h.extensions,
      groups: h.groups,
      versions: h.supportedVersions.filter((v) => !isGrease(v)),
      alpn: h.alpn.map((a) => bounded(a)),
      ja4: ja4(h, 'd'),
      afterStun: this.stunSeen,
      iceChecks: this.iceSeen,
    };
    if (h.sni !== undefined) ev.sni = bounded(h.sni);
    this.ctx.emit(this.flow, ev);
  }

  private serverHello(buf: Uint8Array, start: number, end: number, dir: number): void {
    const h = parseServerHello(buf, start, end);
    if (!h) {
      this.ctx.counters.anomaly(AppAnomaly['dtls.bad_handshake']);
      return;
    }
    this.ctx.emit(this.flow, {
      kind: 'dtls-server-hello', dir, version: h.version, cipher: h.cipher, extensions: h.extensions, ja4s: ja4s(h, 'd'),
      afterStun: this.stunSeen, iceChecks: this.iceSeen,
    });
  }
}

function bounded(s: string): string {
  return s.length > NAME_MAX ? s.slice(0, NAME_MAX) + TRUNCATED : s;
}
