import { describe, expect, it } from 'vitest';
import { Frame } from '../../src/capture/frame.js';
import { Packet, TcpFlag } from '../../src/decode/packet.js';
import { Initiator, TcpState, type Flow } from '../../src/flow/flow.js';
import { DEFAULT_TIMEOUTS, FlowTable, type FlowEndReason } from '../../src/flow/table.js';
import { parseIp } from '../../src/util/ip.js';

// Hand-built packets: the flow table only reads decoded fields, so no bytes are needed here.
function pkt(src: string, sport: number, dst: string, dport: number, proto = 6, flags = 0, sec = 1000, index = 1): Packet {
  const f = new Frame();
  f.tsSec = sec;
  f.wirelen = 60;
  f.index = index;
  const p = new Packet();
  p.reset(f);
  const s = parseIp(src)!;
  const d = parseIp(dst)!;
  p.ipVersion = s.version;
  p.src.set(s.words);
  p.dst.set(d.words);
  p.proto = proto;
  p.sport = sport;
  p.dport = dport;
  p.tcpFlags = flags;
  return p;
}

const home = (): boolean => false;

function table(max = 100, ended: [Flow, FlowEndReason][] = []): FlowTable {
  return new FlowTable({ maxFlows: max, timeouts: DEFAULT_TIMEOUTS, onFlowEnd: (f, r) => ended.push([f, r]) });
}

describe('flow table', () => {
  it('puts both directions of a TCP connection in one flow, initiator = SYN sender', () => {
    const t = table();
    const syn = t.lookup(pkt('10.0.0.2', 40000, '198.51.100.5', 9001, 6, TcpFlag.SYN), 1000e3, home);
    expect(t.isNew).toBe(true);
    expect(t.dir).toBe(0);
    const synack = t.lookup(pkt('198.51.100.5', 9001, '10.0.0.2', 40000, 6, TcpFlag.SYN | TcpFlag.ACK), 1000e3, home);
    expect(synack).toBe(syn);
    expect(t.isNew).toBe(false);
    expect(t.dir).toBe(1);
    t.lookup(pkt('10.0.0.2', 40000, '198.51.100.5', 9001, 6, TcpFlag.ACK), 1000e3, home);
    expect(syn.tcpState).toBe(TcpState.ESTABLISHED);
    expect([syn.pktsAB, syn.pktsBA, syn.aPort, syn.bPort]).toEqual([2, 1, 40000, 9001]);
    expect(t.size).toBe(1);
  });

  it('when the SYN-ACK is the first packet seen, its receiver is the initiator', () => {
    const t = table();
    const f = t.lookup(pkt('198.51.100.5', 9001, '10.0.0.2', 40000, 6, TcpFlag.SYN | TcpFlag.ACK), 1000e3, home);
    expect(t.dir).toBe(1);
    expect([f.aPort, f.bPort, f.a3 >>> 24]).toEqual([40000, 9001, 10]);
  });

  it('without a handshake, the end on a likely server port is the responder (Zeek\'s flip); else the first packet\'s sender', () => {
    const t = table();
    // Mid-stream, the server's packet first: 9001 (Tor's ORPort) is a server port, 40000 is not.
    const f = t.lookup(pkt('198.51.100.5', 9001, '10.0.0.2', 40000, 6, TcpFlag.ACK | TcpFlag.PSH), 1000e3, home);
    expect([f.aPort, f.bPort, f.initiator, t.dir]).toEqual([40000, 9001, Initiator.SERVER_PORT, 1]);
    expect(t.lookup(pkt('10.0.0.2', 40000, '198.51.100.5', 9001, 6, TcpFlag.ACK), 1000e3, home)).toBe(f);
    expect(t.dir).toBe(0);
    // No port hint (two ephemeral ports, or two server ports): the first packet's sender.
    const g = t.lookup(pkt('198.51.100.5', 40001, '10.0.0.2', 40002, 6, TcpFlag.ACK), 1000e3, home);
    expect([g.aPort, g.initiator, t.dir]).toEqual([40001, Initiator.FIRST_PACKET, 0]);
    const h = t.lookup(pkt('198.51.100.5', 443, '10.0.0.2', 8080, 6, TcpFlag.ACK), 1000e3, home);
    expect([h.aPort, h.initiator]).toEqual([443, Initiator.FIRST_PACKET]);
    // UDP: a DNS answer seen first makes the resolver the responder.
    const u = t.lookup(pkt('192.0.2.53', 53, '10.0.0.2', 51000, 17), 1000e3, home);
    expect([u.aPort, u.bPort, u.initiator]).toEqual([51000, 53, Initiator.SERVER_PORT]);
    // A SYN or a SYN-ACK says it outright, whatever the ports.
    const s = t.lookup(pkt('10.0.0.3', 443, '198.51.100.5', 50000, 6, TcpFlag.SYN), 1000e3, home);
    expect([s.aPort, s.initiator]).toEqual([443, Initiator.SYN]);
  });

  it('keeps IPv6 flows apart from IPv4 ones with equal low words, and matches all four words', () => {
    const t = table();
    const a = t.lookup(pkt('2001:db8::1', 1, '2001:db8::2', 2, 17), 0, home);
    const b = t.lookup(pkt('2001:db9::1', 1, '2001:db8::2', 2, 17), 0, home);
    const c = t.lookup(pkt('0.0.0.1', 1, '0.0.0.2', 2, 17), 0, home);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(t.lookup(pkt('2001:db8::2', 2, '2001:db8::1', 1, 17), 0, home)).toBe(a);
  });

  it('joins ICMP echo request and reply (Zeek/Community ID port mapping)', () => {
    const t = table();
    const req = t.lookup(pkt('10.0.0.2', 8, '192.0.2.1', 0, 1), 0, home);
    const rep = t.lookup(pkt('192.0.2.1', 0, '10.0.0.2', 0, 1), 0, home);
    expect(rep).toBe(req);
    expect(t.dir).toBe(1);
  });

  it('expires idle flows on the packet clock, per protocol timeout', () => {
    const ended: [Flow, FlowEndReason][] = [];
    const t = table(100, ended);
    t.lookup(pkt('10.0.0.2', 5353, '192.0.2.1', 53, 17), 0, home); // UDP: 120 s
    t.lookup(pkt('10.0.0.2', 40000, '192.0.2.1', 443, 6, TcpFlag.ACK), 0, home); // established: 600 s
    t.lookup(pkt('10.0.0.3', 1, '192.0.2.1', 2, 17), 119_000, home);
    expect(ended).toHaveLength(0);
    t.lookup(pkt('10.0.0.3', 1, '192.0.2.1', 2, 17), 121_000, home);
    expect(ended.map(([f, r]) => [f.bPort, r])).toEqual([[53, 'timeout']]);
    t.lookup(pkt('10.0.0.3', 1, '192.0.2.1', 2, 17), 601_000, home);
    expect(ended.map(([f]) => f.bPort)).toEqual([53, 443, 2]);
    expect(t.stats.expired).toBe(3);
  });

  it('never holds more than maxFlows; evicts the flow nearest its timeout and counts it', () => {
    const ended: [Flow, FlowEndReason][] = [];
    const t = table(1000, ended);
    t.lookup(pkt('10.0.0.9', 40000, '198.51.100.5', 9001, 6, TcpFlag.ACK), 0, home); // established, kept
    for (let i = 0; i < 5000; i++) t.lookup(pkt('203.0.113.7', 1024 + i, '10.0.0.2', 9001, 6, TcpFlag.SYN), i, home);
    expect(t.size).toBe(1000);
    expect(t.stats.peak).toBe(1000);
    expect(t.stats.evicted).toBe(4001);
    expect(ended.every(([f, r]) => r === 'evicted' && f.bPort === 9001 && f.tcpState === TcpState.SYN_SENT)).toBe(true);
    expect([...t.flows()].some((f) => f.aPort === 40000)).toBe(true);
  });

  it('starts a new flow when a closed connection is reused with a fresh SYN', () => {
    const ended: [Flow, FlowEndReason][] = [];
    const t = table(100, ended);
    const a = t.lookup(pkt('10.0.0.2', 40000, '198.51.100.5', 9001, 6, TcpFlag.SYN), 0, home);
    t.lookup(pkt('198.51.100.5', 9001, '10.0.0.2', 40000, 6, TcpFlag.RST), 1, home);
    expect(a.tcpState).toBe(TcpState.CLOSED);
    const b = t.lookup(pkt('10.0.0.2', 40000, '198.51.100.5', 9001, 6, TcpFlag.SYN), 2, home);
    expect(b).not.toBe(a);
    expect(t.isNew).toBe(true);
    expect(ended).toEqual([[a, 'reused']]);
  });

  it('keeps the flow whose creation grew the hash table (its next packet finds it)', () => {
    const t = table(100_000);
    // The table starts with 4096 buckets: the 4097th flow makes it grow.
    for (let i = 0; i < 4097; i++) t.lookup(pkt(`10.0.${i >> 8}.${i & 255}`, 40000, '192.0.2.1', 80, 6, TcpFlag.SYN), 1000, home);
    const last = t.lookup(pkt('10.0.16.0', 40000, '192.0.2.1', 80, 6, TcpFlag.SYN), 1000, home);
    expect(t.isNew).toBe(false);
    const back = t.lookup(pkt('192.0.2.1', 80, '10.0.16.0', 40000, 6, TcpFlag.SYN | TcpFlag.ACK), 1000, home);
    expect(t.isNew).toBe(false);
    expect(back).toBe(last);
    expect(t.stats.created).toBe(4097);
  });

  it('flushAll ends every flow, oldest first', () => {
    const ended: [Flow, FlowEndReason][] = [];
    const t = table(100, ended);
    t.lookup(pkt('10.0.0.2', 1, '192.0.2.1', 2, 17), 5, home);
    t.lookup(pkt('10.0.0.2', 3, '192.0.2.1', 4, 6, TcpFlag.SYN), 1, home);
    t.flushAll();
    expect(ended.map(([f, r]) => [f.aPort, r])).toEqual([[3, 'shutdown'], [1, 'shutdown']]);
    expect(t.size).toBe(0);
  });

  it('marks home endpoints once, at creation', () => {
    const t = new FlowTable({ maxFlows: 10, timeouts: DEFAULT_TIMEOUTS });
    const f = t.lookup(pkt('10.0.0.2', 1, '192.0.2.1', 2, 17), 0, (_v, _a, _b, _c, w3) => w3 >>> 24 === 10);
    expect([f.aHome, f.bHome]).toEqual([true, false]);
  });
});
