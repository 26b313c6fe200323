// The BitTorrent-heavy share of the benchmark capture (`--mix bittorrent`): peer-wire TCP flows
// (handshakes, extension handshakes, then piece messages in full-size segments), MSE-shaped flows
// (random 96-608-byte openings), and on UDP: DHT get_peers exchanges, uTP connections carrying
// handshakes, UDP tracker connect/announce sessions and LSD announcements. Well-formed by the BEPs,
// so every parser does its full work; deterministic through the caller's `rnd`.

const enc = (s) => Buffer.from(s, 'latin1');
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n & 0xffff); return b; };

export function bittorrentMix({ frame, rnd, data }) {
  const bytes = (n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = (rnd() * 256) | 0; return b; };
  const infoHash = bytes(20);
  const handshake = (id) => Buffer.concat([Buffer.from([19]), enc('BitTorrent protocol'), Buffer.from([0, 0, 0, 0, 0, 0x10, 0, 5]), infoHash, enc(id)]);
  const ext = (v) => { const d = enc(`d1:md6:ut_pexi1ee1:pi51413e1:v${v.length}:${v}e`); return Buffer.concat([u32(d.length + 2), Buffer.from([20, 0]), d]); };
  // One piece message (13-byte header + a 16 KiB block), repeated as the seeder's stream.
  const piece = Buffer.concat([u32(9 + 16384), Buffer.from([7]), u32(0), u32(0), Buffer.alloc(16384, 0x5a)]);
  const peerOf = () => ((198 << 24) | (51 << 16) | (100 << 8) | (1 + ((rnd() * 250) | 0))) >>> 0;
  const homeOf = () => ((10 << 24) | (((rnd() * 65536) | 0) << 8) | (1 + ((rnd() * 250) | 0))) >>> 0;
  const SYN = 2, ACK = 16, PSH = 8, FIN = 1;

  /** A TCP flow of the mix: 'peer' (plain peer wire) or 'mse' (random openings), stepped one packet at a time. */
  function newFlow(kind, cport) {
    return { kind, client: homeOf(), server: peerOf(), cport, sport: 51413, state: 0, cseq: (rnd() * 2 ** 32) >>> 0, sseq: (rnd() * 2 ** 32) >>> 0, left: 10 + ((rnd() * 60) | 0), off: 0, unacked: 0 };
  }

  function step(f) {
    switch (f.state) {
      case 0: frame(f.client, f.server, 6, f.cport, f.sport, SYN, f.cseq++, 0, 0); f.state = 1; return true;
      case 1: frame(f.server, f.client, 6, f.sport, f.cport, SYN | ACK, f.sseq++, f.cseq, 0); f.state = 2; return true;
      case 2: frame(f.client, f.server, 6, f.cport, f.sport, ACK, f.cseq, f.sseq, 0); f.state = 3; return true;
      case 3: {
        const p = f.kind === 'peer' ? Buffer.concat([handshake('-qB4520-' + 'a'.repeat(12)), ext('qBittorrent/4.5.2')]) : data.subarray(0, 96 + ((rnd() * 500) | 0));
        frame(f.client, f.server, 6, f.cport, f.sport, ACK | PSH, f.cseq, f.sseq, p); f.cseq += p.length; f.state = 4; return true;
      }
      case 4: {
        const p = f.kind === 'peer' ? Buffer.concat([handshake('-TR3000-' + 'b'.repeat(12)), ext('Transmission 3.00'), Buffer.concat([u32(1), Buffer.from([1])])]) : data.subarray(100, 196 + ((rnd() * 400) | 0));
        frame(f.server, f.client, 6, f.sport, f.cport, ACK | PSH, f.sseq, f.cseq, p); f.sseq += p.length; f.state = 5; return true;
      }
      case 5:
        if (f.left > 0) {
          let p;
          if (f.kind === 'peer') {
            p = Buffer.alloc(1448);
            for (let i = 0; i < p.length; i++) p[i] = piece[(f.off + i) % piece.length];
            f.off = (f.off + p.length) % piece.length;
          } else p = data;
          frame(f.server, f.client, 6, f.sport, f.cport, ACK, f.sseq, f.cseq, p); f.sseq += p.length; f.left--;
          if (++f.unacked === 2) { frame(f.client, f.server, 6, f.cport, f.sport, ACK, f.cseq, f.sseq, 0); f.unacked = 0; }
          return true;
        }
        frame(f.client, f.server, 6, f.cport, f.sport, FIN | ACK, f.cseq++, f.sseq, 0); f.state = 6; return true;
      case 6: frame(f.server, f.client, 6, f.sport, f.cport, FIN | ACK, f.sseq++, f.cseq, 0); f.state = 7; return true;
      case 7: frame(f.client, f.server, 6, f.cport, f.sport, ACK, f.cseq, f.sseq, 0); return false;
    }
    return false;
  }

  const nodeId = bytes(20);
  /** One UDP exchange of the mix: DHT, uTP, UDP tracker or LSD (several packets). */
  function udp() {
    const home = homeOf();
    const peer = peerOf();
    const port = 6881 + ((rnd() * 1000) | 0);
    const r = rnd();
    if (r < 0.5) {
      const t = bytes(2);
      const q = Buffer.concat([enc('d1:ad2:id20:'), nodeId, enc('9:info_hash20:'), infoHash, enc('e1:q9:get_peers1:t2:'), t, enc('1:v4:LT\x01\x021:y1:qe')]);
      const values = Buffer.concat([enc('6:'), bytes(6), enc('6:'), bytes(6)]);
      const a = Buffer.concat([enc('d1:rd2:id20:'), bytes(20), enc('5:token8:'), bytes(8), enc('6:valuesl'), values, enc('ee1:t2:'), t, enc('1:y1:re')]);
      frame(home, peer, 17, port, 6881, 0, 0, 0, q);
      frame(peer, home, 17, 6881, port, 0, 0, 0, a);
    } else if (r < 0.8) {
      const id = (rnd() * 65535) | 0;
      const hdr = (type, cid, seq, ack) => Buffer.concat([Buffer.from([(type << 4) | 1, 0]), u16(cid), u32(1000), u32(0), u32(65536), u16(seq), u16(ack)]);
      frame(home, peer, 17, port, 6881, 0, 0, 0, hdr(4, id, 1, 0));
      frame(peer, home, 17, 6881, port, 0, 0, 0, hdr(2, id, 500, 1));
      frame(home, peer, 17, port, 6881, 0, 0, 0, Buffer.concat([hdr(0, id + 1, 2, 499), handshake('-qB4520-' + 'c'.repeat(12))]));
      frame(peer, home, 17, 6881, port, 0, 0, 0, Buffer.concat([hdr(0, id, 500, 2), handshake('-TR3000-' + 'd'.repeat(12))]));
      for (let i = 0; i < 4; i++) frame(peer, home, 17, 6881, port, 0, 0, 0, Buffer.concat([hdr(0, id, 501 + i, 2), piece.subarray(i * 1000, (i + 1) * 1000)]));
    } else if (r < 0.95) {
      const tid = u32((rnd() * 2 ** 32) >>> 0);
      frame(home, peer, 17, port, 6969, 0, 0, 0, Buffer.concat([u32(0x417), u32(0x27101980), u32(0), tid]));
      frame(peer, home, 17, 6969, port, 0, 0, 0, Buffer.concat([u32(0), tid, bytes(8)]));
      frame(home, peer, 17, port, 6969, 0, 0, 0, Buffer.concat([bytes(8), u32(1), tid, infoHash, enc('-TR3000-eeeeeeeeeeee'), Buffer.alloc(24), u32(2), u32(0), u32(7), u32(50), u16(51413)]));
      frame(peer, home, 17, 6969, port, 0, 0, 0, Buffer.concat([u32(1), tid, u32(1800), u32(1), u32(2), bytes(30)]));
    } else {
      const lsd = enc(`BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: ${port}\r\nInfohash: ${infoHash.toString('hex')}\r\n\r\n\r\n`);
      frame(home, ((239 << 24) | (192 << 16) | (152 << 8) | 143) >>> 0, 17, 6771, 6771, 0, 0, 0, lsd);
    }
  }

  return { newFlow, step, udp };
}
