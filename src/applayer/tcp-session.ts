import { TcpFlag, type Packet } from '../decode/packet.js';
import type { Flow } from '../flow/flow.js';
import { AppStat } from './anomalies.js';
import type { AppContext } from './context.js';
import { parseDnsMessage } from './dns/message.js';
import { DnsQueries } from './dns/queries.js';
import { DnsTcpFramer } from './dns/tcp-framing.js';
import { DiscardDirection, HttpConnectResponse, HttpRequestDirection, type HttpHooks } from './http/direction.js';
import { hostOfAbsoluteTarget, hostOfAuthority, type HttpRequestHead } from './http/request.js';
import { DIR_DONE, type DirParser } from './parser.js';
import { httpTrackerRequest, USER_AGENT_MAX } from './bittorrent/http-tracker.js';
import { boundString } from './bittorrent/text.js';
import { OpaqueStream } from './opaque/observer.js';
import { sniff, SNIFF_MAX, type Sniffed } from './sniff.js';
import { StreamState, TcpStream, type StreamSink } from './stream/reassembly.js';
import type { CertificateNames } from './tls/certificate.js';
import type { ClientHello } from './tls/client-hello.js';
import { TlsDirection, type TlsHooks } from './tls/direction.js';
import { TlsClientHelloEvent } from './tls/facts.js';
import type { ServerHello } from './tls/server-hello.js';
import { OPAQUE_SCANS, type TcpProtocol, type TcpSessionHandle } from './tcp-protocols.js';
import { TeeDirection } from './tee.js';
import { boundName, boundText, NAME_MAX, URL_MAX } from '../util/bound.js';

/** A request method is a short token; a longer one is cut like any attacker string. */
const METHOD_MAX = 32;

function boundHost(h: string | undefined): string | undefined {
  return h !== undefined && h.length > NAME_MAX ? boundName(h) : h;
}

/** What the session found the stream to be; OTHER = a protocol from TCP_PROTOCOLS, OPAQUE = none known. */
export const TcpProto = { UNKNOWN: 0, TLS: 1, HTTP: 2, DNS: 3, OTHER: 4, OPAQUE: 5 } as const;

/**
 * One TCP connection under inspection: two reassembled directions, each feeding a parser chosen by
 * port (DNS on 53) or by sniffing the first bytes (TLS, HTTP, or a protocol of TCP_PROTOCOLS on any
 * port; a stream that is none of them is measured as an opaque stream). The session is finished when
 * neither direction needs more bytes; then the app layer stops looking at the flow.
 */
export class TcpSession implements TlsHooks, HttpHooks, StreamSink, TcpSessionHandle {
  proto: number = TcpProto.UNKNOWN;
  readonly parsers: [DirParser | null, DirParser | null];
  private readonly streams: [TcpStream | null, TcpStream | null] = [null, null];
  // The SYN sequence number of each direction, and which were seen (bit 0/1). Plain fields: a session
  // is made for every TCP flow, so it stays small (a burst of handshakes keeps thousands alive).
  private syn0 = 0;
  private syn1 = 0;
  private synSeenBits = 0;

  // TLS progress, for the tls-done event and for knowing when to stop.
  private tlsClientDir = -1;
  private tlsServerHello = false;
  private tlsCertificate = false;
  private tlsVersion = 0;
  private tlsDoneSent = false;

  constructor(readonly flow: Flow, readonly ctx: AppContext, dnsPort: boolean) {
    if (dnsPort) {
      this.proto = TcpProto.DNS;
      this.parsers = [new DnsTcpDirection(this, 0), new DnsTcpDirection(this, 1)];
    } else {
      // Sniffers are made when a direction's first payload arrives: most flows' first packets have none.
      this.parsers = [UNSTARTED, UNSTARTED];
    }
  }

  /** Bit i set when direction i's SYN was seen. */
  get synSeen(): number {
    return this.synSeenBits;
  }

  get finished(): boolean {
    return this.parsers[0] === null && this.parsers[1] === null;
  }

  /** One TCP packet of the flow (any flags, any payload). */
  packet(p: Packet, dir: number): void {
    const flags = p.tcpFlags;
    if ((flags & TcpFlag.SYN) !== 0 && (this.synSeenBits & (1 << dir)) === 0) {
      this.synSeenBits |= 1 << dir;
      if (dir === 0) this.syn0 = p.tcpSeq;
      else this.syn1 = p.tcpSeq;
      this.streams[dir]?.syn(p.tcpSeq);
    }
    if ((flags & TcpFlag.ACK) !== 0) this.streams[1 - dir]?.peerAck(p.tcpAck);
    if (p.payLen <= 0 || this.parsers[dir] === null) return;
    if (this.parsers[dir] === UNSTARTED) this.parsers[dir] = new SniffDirection(this, dir, false);
    let s = this.streams[dir];
    if (!s) {
      s = this.streams[dir] = new TcpStream(this.ctx.streamDepth, this.ctx.budget, dir);
      if ((this.synSeenBits & (1 << dir)) !== 0) s.syn(dir === 0 ? this.syn0 : this.syn1);
    }
    // Data on a SYN (TCP Fast Open) starts one after the SYN's sequence number.
    const seq = (flags & TcpFlag.SYN) !== 0 ? (p.tcpSeq + 1) >>> 0 : p.tcpSeq;
    const state = s.segment(seq, p.buf, p.payOff, p.payLen, this);
    if (state === StreamState.FAILED) {
      this.ctx.counters.anomaly(s.failure);
      this.endDir(dir);
    } else if (state === StreamState.DONE && this.parsers[dir] !== null) {
      this.ctx.counters.stat(AppStat.stream_depth_reached);
      this.endDir(dir);
    }
  }

  /** Stop everything (flow ended, or finished): memory back, tls-done told if TLS was seen. */
  close(): void {
    for (let d = 0; d < 2; d++) {
      this.parsers[d]?.close();
      this.parsers[d] = null;
      this.streams[d]?.close();
    }
    if (this.proto === TcpProto.TLS && !this.tlsDoneSent) {
      this.tlsDoneSent = true;
      this.ctx.emit(this.flow, { kind: 'tls-done', clientHello: this.tlsClientDir >= 0, serverHello: this.tlsServerHello, certificate: this.tlsCertificate });
    }
  }

  /** In-order bytes of one direction (StreamSink): through its parser, and on through hand-overs. */
  streamData(dir: number, buf: Uint8Array, off: number, len: number): boolean {
    while (len > 0) {
      const parser = this.parsers[dir];
      if (parser === null) return false;
      const n = parser.push(buf, off, len);
      if (n === DIR_DONE) {
        this.endDir(dir);
        return false;
      }
      if (!parser.next) {
        if (n >= len) return true;
        // A parser that stops short without naming a successor has nothing more to read.
        this.endDir(dir);
        return false;
      }
      // Hand-over (possibly at the very end of this chunk): the rest goes to the next parser.
      this.parsers[dir] = parser.next;
      parser.close();
      off += n;
      len -= n;
    }
    return this.parsers[dir] !== null;
  }

  /** This direction needs no more bytes. */
  endDir(dir: number): void {
    const p = this.parsers[dir];
    if (p === null) return;
    this.parsers[dir] = null;
    p.close();
    this.streams[dir]?.close();
    // TLS: once the server side is over, the client side has nothing left to tell.
    if (this.proto === TcpProto.TLS && this.tlsClientDir >= 0 && dir !== this.tlsClientDir) this.endDir(this.tlsClientDir);
  }

  // --- sniffing ---

  /** The first bytes of `dir` were recognised: the parser for them (null: nothing more to read). */
  sniffed(dir: number, what: Exclude<Sniffed, 'more'>, tunnel: boolean): DirParser | null {
    const c = this.ctx.counters;
    const other = 1 - dir;
    const otherSniffing = this.parsers[other] === UNSTARTED || this.parsers[other] instanceof SniffDirection;
    if (typeof what === 'object') return this.openProtocol(what, dir, otherSniffing, tunnel);
    if (what === 'tls') {
      if (!tunnel) c.stat(AppStat.tcp_sniff_tls);
      this.proto = TcpProto.TLS;
      if (otherSniffing) this.replace(other, new TlsDirection(this, other));
      return new TlsDirection(this, dir);
    }
    if (what === 'http') {
      if (!tunnel) c.stat(AppStat.tcp_sniff_http);
      if (this.proto === TcpProto.UNKNOWN) this.proto = TcpProto.HTTP;
      if (otherSniffing) this.replace(other, new DiscardDirection());
      return new HttpRequestDirection(this, dir);
    }
    if (tunnel) return null;
    c.stat(AppStat.tcp_sniff_none);
    if (this.proto !== TcpProto.UNKNOWN) {
      // The other side already spoke a protocol we read; this side's bytes are not ours.
      return null;
    }
    // No protocol we know: measure the stream's shape (fully encrypted protocols have nothing else).
    this.proto = TcpProto.OPAQUE;
    c.stat(AppStat.tcp_opaque_streams);
    // Protocols that show later in such streams (OPAQUE_SCANS) read the same bytes beside it.
    const obs = new OpaqueStream(this.flow, this.ctx, () => this.synSeenBits);
    const scans = OPAQUE_SCANS.map((open) => open(this));
    const reader = (d: number): DirParser => scans.reduce<DirParser>((p, s) => new TeeDirection(p, s.direction(d)), obs.direction(d));
    if (otherSniffing) this.replace(other, reader(other));
    else {
      obs.closed();
      for (const s of scans) s.closed();
    }
    return reader(dir);
  }

  /** A protocol of TCP_PROTOCOLS recognised in `dir`. */
  private openProtocol(p: TcpProtocol, dir: number, otherSniffing: boolean, tunnel: boolean): DirParser | null {
    if (!tunnel) this.ctx.counters.stat(AppStat.tcp_sniff_other);
    if (this.proto === TcpProto.UNKNOWN) this.proto = TcpProto.OTHER;
    const r = p.open(this, dir);
    if (otherSniffing && r.other !== undefined) this.replace(1 - dir, r.other);
    return r.parser;
  }

  private replace(dir: number, parser: DirParser | null): void {
    const old = this.parsers[dir];
    this.parsers[dir] = parser;
    old?.close();
    if (parser === null) this.streams[dir]?.close();
  }

  // --- TLS hooks ---

  clientHello(h: ClientHello, dir: number): void {
    this.tlsClientDir = dir;
    this.ctx.counters.stat(AppStat.tls_client_hellos);
    this.ctx.emit(this.flow, new TlsClientHelloEvent(h));
  }

  serverHello(h: ServerHello, _dir: number): void {
    this.tlsServerHello = true;
    this.tlsVersion = h.version;
    this.ctx.counters.stat(AppStat.tls_server_hellos);
    this.ctx.emit(this.flow, { kind: 'tls-server-hello', version: h.version, cipher: h.cipher, alpn: h.alpn });
  }

  certificate(names: CertificateNames | undefined, _dir: number): void {
    if (!names) return;
    this.tlsCertificate = true;
    this.ctx.counters.stat(AppStat.tls_certificates);
    // Names the server chose: bounded like the client's.
    const subjectCN = names.subjectCN !== undefined ? boundName(names.subjectCN) : undefined;
    const issuerCN = names.issuerCN !== undefined ? boundName(names.issuerCN) : undefined;
    this.ctx.emit(this.flow, { kind: 'tls-certificate', subjectCN, issuerCN, version: this.tlsVersion });
  }

  clientMovedOn(dir: number): void {
    // The client answered a server flight this sensor did not see (asymmetric capture, or a hole):
    // there is no certificate to wait for.
    if (!this.tlsServerHello) this.endDir(1 - dir);
  }

  // --- HTTP hooks ---

  request(h: HttpRequestHead, dir: number): void {
    this.ctx.counters.stat(AppStat.http_requests);
    this.ctx.emit(this.flow, {
      kind: 'http-request',
      // Every string the client chose is bounded here, before rules, aggregation keys and alerts see it.
      method: boundText(h.method, METHOD_MAX),
      target: boundText(h.target, URL_MAX),
      version: h.version,
      host: boundHost(h.host !== undefined ? hostOfAuthority(h.host) : undefined),
      connectHost: boundHost(h.method === 'CONNECT' ? hostOfAuthority(h.target) : undefined),
      targetHost: boundHost(hostOfAbsoluteTarget(h.target)),
      userAgent: h.userAgent !== undefined ? boundString(h.userAgent, USER_AGENT_MAX) : undefined,
    });
    // A BitTorrent tracker request: the answer (peers) is read instead of discarded.
    const answer = httpTrackerRequest(this.ctx, this.flow, h, dir);
    if (answer && this.parsers[1 - dir] instanceof DiscardDirection) this.replace(1 - dir, answer);
    else answer?.close();
  }

  tunnel(dir: number): DirParser | null {
    const other = 1 - dir;
    if (this.parsers[other] !== null) {
      this.replace(other, new HttpConnectResponse(this, () => new SniffDirection(this, other, true)));
    }
    return new SniffDirection(this, dir, true);
  }

  // --- shared ---

  anomaly(id: number): void {
    this.ctx.counters.anomaly(id);
  }

  reserve(n: number): boolean {
    return this.ctx.budget.reserve(n);
  }

  release(n: number): void {
    this.ctx.budget.release(n);
  }

  /** DNS over TCP: the connection's queries, so its answers can be matched to them. */
  private dnsQueries: DnsQueries | undefined;

  dnsMessage(buf: Uint8Array, off: number, end: number, dir: number): void {
    const r = parseDnsMessage(buf, off, end);
    if (r.anomaly >= 0) this.ctx.counters.anomaly(r.anomaly);
    if (r.message) this.ctx.dns(this.flow, r.message, 'tcp', dir, (this.dnsQueries ??= new DnsQueries()));
  }
}

/** A direction that has sent no payload yet (its sniffer is made on the first byte). */
const UNSTARTED: DirParser = { push: () => DIR_DONE, close: () => undefined };

/**
 * A direction whose protocol is not known yet: collects up to SNIFF_MAX bytes (segments may be tiny),
 * asks sniff(), and hands over to the parser the session picks.
 */
class SniffDirection implements DirParser {
  next: DirParser | null = null;
  /** Bytes kept from chunks too short to decide on (allocated only then: segments are rarely that small). */
  private held: Uint8Array | null = null;
  private fill = 0;

  constructor(private readonly session: TcpSession, readonly dir: number, private readonly tunnel: boolean) {}

  push(buf: Uint8Array, off: number, len: number): number {
    let what;
    const before = this.fill;
    if (before === 0) {
      what = sniff(buf, off, len);
    } else {
      const n = Math.min(SNIFF_MAX - before, len);
      this.held!.set(buf.subarray(off, off + n), before);
      this.fill += n;
      what = sniff(this.held!, 0, this.fill);
    }
    if (what === 'more') {
      if (before === 0) {
        this.held = new Uint8Array(SNIFF_MAX);
        this.held.set(buf.subarray(off, off + len), 0);
        this.fill = len;
      }
      return len;
    }
    const next = this.session.sniffed(this.dir, what, this.tunnel);
    if (next === null) return DIR_DONE;
    // Bytes held from earlier chunks go first; the current chunk follows through the session.
    if (before > 0 && next.push(this.held!, 0, before) !== before) {
      next.close();
      return DIR_DONE;
    }
    this.next = next;
    return 0;
  }

  close(): void {}
}

/** DNS over TCP, one direction: framing, then each message parsed. */
class DnsTcpDirection implements DirParser {
  next: DirParser | null = null;
  private readonly framer: DnsTcpFramer;

  constructor(session: TcpSession, readonly dir: number) {
    this.framer = new DnsTcpFramer(
      (buf, off, end) => session.dnsMessage(buf, off, end, dir),
      (id) => session.anomaly(id),
      (n) => session.reserve(n),
      (n) => session.release(n),
    );
  }

  push(buf: Uint8Array, off: number, len: number): number {
    if (this.framer.push(buf, off, len)) return len;
    return DIR_DONE;
  }

  close(): void {
    this.framer.dispose();
  }
}

