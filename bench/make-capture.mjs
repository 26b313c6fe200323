// Generates the benchmark capture: a classic pcap of synthetic but well-formed traffic, at least
// `--mb` megabytes. TCP flows with full handshakes, a TLS ClientHello (with SNI), full-size data
// segments with delayed ACKs and a FIN close; DNS queries with answers; a share of flows to
// 9001/9030 from private addresses so the rule engine has work. Many flows overlap, so the flow
// table holds thousands at once. Deterministic (seeded), written in 4 MiB chunks.
// `--mix bittorrent`: a BitTorrent-heavy capture instead: 40% of the TCP flows are peer connections
// (30% plain peer wire with piece messages, 10% MSE-shaped), and DHT, uTP, UDP tracker and LSD
// exchanges on UDP (bittorrent-mix.mjs).
import { openSync, writeSync, closeSync } from 'node:fs';
import { bittorrentMix } from './bittorrent-mix.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : [])).filter((x) => x.length));
const out = args.out ?? 'bench/out/synthetic.pcap';
const targetBytes = Number(args.mb ?? 520) * 1e6;
const concurrent = Number(args.concurrent ?? 4000);
const mix = args.mix ?? 'web';
if (mix !== 'web' && mix !== 'bittorrent') throw new Error(`--mix: web or bittorrent, not ${mix}`);

let seed = 0x2545f491;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

const CHUNK = 4 << 20;
let buf = Buffer.alloc(CHUNK);
let pos = 0;
let total = 0;
let packets = 0;
const fd = openSync(out, 'w');
function ensure(n) {
  if (pos + n > CHUNK) { writeSync(fd, buf, 0, pos); pos = 0; }
}
// Global header: microsecond pcap, Ethernet.
const gh = Buffer.alloc(24);
gh.writeUInt32LE(0xa1b2c3d4, 0); gh.writeUInt16LE(2, 4); gh.writeUInt16LE(4, 6); gh.writeUInt32LE(262144, 16); gh.writeUInt32LE(1, 20);
gh.copy(buf, 0); pos = 24; total = 24;

let tsUs = 1_763_870_400_000_000; // 2025-11-23T04:00:00Z
const data = Buffer.alloc(1448);
for (let i = 0; i < data.length; i++) data[i] = (rnd() * 256) | 0;

function ipSum(b, off) {
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += b.readUInt16BE(off + i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** Write one Ethernet/IPv4 frame; payload is a Buffer or a byte count of `data`. */
function frame(src, dst, proto, sport, dport, flags, seq, ack, payload) {
  const plen = typeof payload === 'number' ? payload : payload.length;
  const l4 = proto === 6 ? 20 : 8;
  const len = 14 + 20 + l4 + plen;
  ensure(16 + len);
  tsUs += 1 + ((rnd() * 20) | 0);
  buf.writeUInt32LE(Math.floor(tsUs / 1e6), pos); buf.writeUInt32LE(tsUs % 1e6, pos + 4);
  buf.writeUInt32LE(len, pos + 8); buf.writeUInt32LE(len, pos + 12);
  let o = pos + 16;
  buf.writeUInt32BE(0x02000000, o); buf.writeUInt16BE(0x0001, o + 4); buf.writeUInt32BE(0x02000000, o + 6); buf.writeUInt16BE(0x0002, o + 10); buf.writeUInt16BE(0x0800, o + 12);
  o += 14;
  const ip = o;
  buf[o] = 0x45; buf[o + 1] = 0; buf.writeUInt16BE(20 + l4 + plen, o + 2); buf.writeUInt16BE(packets & 0xffff, o + 4); buf.writeUInt16BE(0x4000, o + 6);
  buf[o + 8] = 64; buf[o + 9] = proto; buf.writeUInt16BE(0, o + 10); buf.writeUInt32BE(src >>> 0, o + 12); buf.writeUInt32BE(dst >>> 0, o + 16);
  buf.writeUInt16BE(ipSum(buf, ip), ip + 10);
  o += 20;
  buf.writeUInt16BE(sport, o); buf.writeUInt16BE(dport, o + 2);
  if (proto === 6) {
    buf.writeUInt32BE(seq >>> 0, o + 4); buf.writeUInt32BE(ack >>> 0, o + 8); buf[o + 12] = 0x50; buf[o + 13] = flags; buf.writeUInt16BE(65535, o + 14); buf.writeUInt32BE(0, o + 16);
  } else {
    buf.writeUInt16BE(8 + plen, o + 4); buf.writeUInt16BE(0, o + 6);
  }
  o += l4;
  if (typeof payload === 'number') data.copy(buf, o, 0, plen); else payload.copy(buf, o);
  pos += 16 + len;
  total += 16 + len;
  packets++;
}

function clientHello(sni) {
  const name = Buffer.from(sni);
  const ext = Buffer.alloc(9 + name.length);
  ext.writeUInt16BE(0, 0); ext.writeUInt16BE(5 + name.length, 2); ext.writeUInt16BE(3 + name.length, 4); ext[6] = 0; ext.writeUInt16BE(name.length, 7); name.copy(ext, 9);
  const ciphers = Buffer.from([0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f, 0xc0, 0x30]);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0]), Buffer.from([0, ciphers.length]), ciphers, Buffer.from([1, 0]), Buffer.from([ext.length >> 8, ext.length & 255]), ext]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 255]), body]);
  return Buffer.concat([Buffer.from([22, 3, 1, hs.length >> 8, hs.length & 255]), hs]);
}

function dnsQuery(id, qname, answer) {
  const labels = qname.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const q = Buffer.concat([...labels, Buffer.from([0, 0, 1, 0, 1])]);
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0); h.writeUInt16BE(answer ? 0x8180 : 0x0100, 2); h.writeUInt16BE(1, 4); h.writeUInt16BE(answer ? 1 : 0, 6);
  if (!answer) return Buffer.concat([h, q]);
  const a = Buffer.alloc(16);
  a.writeUInt16BE(0xc00c, 0); a.writeUInt16BE(1, 2); a.writeUInt16BE(1, 4); a.writeUInt32BE(300, 6); a.writeUInt16BE(4, 10); a.writeUInt32BE(answer >>> 0, 12);
  return Buffer.concat([h, q, a]);
}

const SYN = 2, ACK = 16, PSH = 8, FIN = 1;
let nextPort = 20000;
let bt;
function newFlow() {
  if (mix === 'bittorrent') {
    const k = rnd();
    if (k < 0.4) {
      nextPort = nextPort >= 65000 ? 20000 : nextPort + 1;
      return bt.newFlow(k < 0.3 ? 'peer' : 'mse', nextPort);
    }
  }
  const r = rnd();
  const client = (10 << 24) | ((rnd() * 65536) | 0) << 8 | (1 + ((rnd() * 250) | 0));
  const server = (r < 0.5 ? (198 << 24) | (51 << 16) | (100 << 8) : (203 << 24) | (0 << 16) | (113 << 8)) | (1 + ((rnd() * 250) | 0));
  const port = rnd() < 0.02 ? (rnd() < 0.5 ? 9001 : 9030) : rnd() < 0.7 ? 443 : 80;
  nextPort = nextPort >= 65000 ? 20000 : nextPort + 1;
  return { client, server, cport: nextPort, sport: port, state: 0, cseq: (rnd() * 2 ** 32) >>> 0, sseq: (rnd() * 2 ** 32) >>> 0, left: 20 + ((rnd() * 400) | 0), unacked: 0 };
}

function step(f) {
  if (f.kind) return bt.step(f);
  switch (f.state) {
    case 0: frame(f.client, f.server, 6, f.cport, f.sport, SYN, f.cseq++, 0, 0); f.state = 1; return true;
    case 1: frame(f.server, f.client, 6, f.sport, f.cport, SYN | ACK, f.sseq++, f.cseq, 0); f.state = 2; return true;
    case 2: frame(f.client, f.server, 6, f.cport, f.sport, ACK, f.cseq, f.sseq, 0); f.state = 3; return true;
    case 3: {
      const ch = clientHello(`www.site${(rnd() * 100000) | 0}.example.com`);
      frame(f.client, f.server, 6, f.cport, f.sport, ACK | PSH, f.cseq, f.sseq, ch); f.cseq += ch.length; f.state = 4; return true;
    }
    case 4:
      if (f.left > 0) {
        frame(f.server, f.client, 6, f.sport, f.cport, ACK, f.sseq, f.cseq, 1448); f.sseq += 1448; f.left--;
        if (++f.unacked === 2) { frame(f.client, f.server, 6, f.cport, f.sport, ACK, f.cseq, f.sseq, 0); f.unacked = 0; }
        return true;
      }
      frame(f.client, f.server, 6, f.cport, f.sport, FIN | ACK, f.cseq++, f.sseq, 0); f.state = 5; return true;
    case 5: frame(f.server, f.client, 6, f.sport, f.cport, FIN | ACK, f.sseq++, f.cseq, 0); f.state = 6; return true;
    case 6: frame(f.client, f.server, 6, f.cport, f.sport, ACK, f.cseq, f.sseq, 0); return false;
  }
  return false;
}

bt = bittorrentMix({ frame, rnd, data });
const live = Array.from({ length: concurrent }, newFlow);
let dnsId = 1;
while (total < targetBytes) {
  const i = (rnd() * live.length) | 0;
  if (!step(live[i])) live[i] = newFlow();
  if (mix === 'bittorrent' && rnd() < 0.02) bt.udp();
  if (rnd() < 0.01) {
    const client = (192 << 24) | (168 << 16) | (1 << 8) | (1 + ((rnd() * 250) | 0));
    const resolver = (192 << 24) | (0 << 16) | (2 << 8) | 53;
    const name = `host${(rnd() * 50000) | 0}.example.net`;
    const port = 1024 + ((rnd() * 60000) | 0);
    frame(client, resolver, 17, port, 53, 0, 0, 0, dnsQuery(dnsId, name, 0));
    frame(resolver, client, 17, 53, port, 0, 0, 0, dnsQuery(dnsId++ & 0xffff, name, (203 << 24) | (113 << 8) | 7));
  }
}
writeSync(fd, buf, 0, pos);
closeSync(fd);
process.stdout.write(JSON.stringify({ file: out, bytes: total, packets }) + '\n');
