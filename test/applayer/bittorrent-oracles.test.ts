/**
 * BitTorrent against other engines' answers on their own captures (../shared/data), none written here:
 *  - nDPI (result/*.out): every flow it labels BitTorrent by protocol (peer wire, uTP, the tracker
 *    announce, LSD; not the DNS/TLS hostname labels, which torrent-hostname covers) gets a torrent-*
 *    protocol alert: recall per capture; and none of its other captures gets one;
 *  - suricata-verify bittorrent-dht (test.yaml): every KRPC message it logs, field by field, and the
 *    malformed one it flags;
 *  - Zeek (Traces/bittorrent/tracker.pcap and its baseline): the announce it logged;
 *  - Arkime (bt-tcp, bt-udp, ip-boundaries .test sessions): every session it calls bittorrent, but
 *    one (BitTorrent Sync's "BSYNC" handshake, which is not BEP 3: see README "BitTorrent on the wire");
 *  - every other capture in ../shared/data: no torrent-peer, torrent-dht, torrent-tracker or
 *    torrent-lsd alert.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BtDhtEvent } from '../../src/applayer/bittorrent/events.js';
import type { Detection } from '../../src/detect/detection.js';
import { formatIp, parseIp } from '../../src/util/ip.js';
import { pairKey, readNdpiOut } from './ndpi-out.js';
import { DATA, ofKind, runPipeline, type PipelineRun } from './run-pipeline.js';

const PROTOCOL_RULES = new Set(['torrent-peer', 'torrent-dht', 'torrent-tracker', 'torrent-lsd']);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const captures = walk(DATA).filter((f) => /\.(pcap|pcapng|cap)(\.gz)?$/.test(f) && !f.includes('/libpcap/')).sort();
const runs = new Map<string, PipelineRun>();
beforeAll(async () => {
  for (const f of captures) runs.set(relative(DATA, f), await runPipeline(f, { stopOnError: false }));
}, 300_000);

function canon(ep: string): string {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(ep)!;
  const ip = parseIp(m[1]);
  return `${ip ? formatIp(ip.version, ...ip.words) : m[1]}:${m[2]}`;
}

function detKey(d: Detection): string {
  const f = d.flow;
  return pairKey(f.proto === 6 ? 'tcp' : 'udp', `${f.srcIp()}:${f.aPort}`, `${f.dstIp()}:${f.bPort}`);
}

function protocolAlerts(file: string): Detection[] {
  return runs.get(file)!.detections.filter((d) => PROTOCOL_RULES.has(d.rule.id));
}

/** nDPI's BitTorrent labels by protocol: 37/BitTorrent, and HTTP.BitTorrent for a tracker announce. */
const NDPI_BT = /^(37\/BitTorrent|7\.37\/HTTP\.BitTorrent)$/;
const NDPI_CAPTURES = ['bittorrent.pcap', 'bittorrent_utp.pcap', 'bittorrent_tcp_miss.pcapng', 'bt-http.pcapng', 'bt_search.pcap'];

describe('nDPI', () => {
  it('every flow nDPI labels BitTorrent by protocol has a torrent-* alert (recall per capture)', () => {
    const lines: string[] = [];
    let all = 0;
    let found = 0;
    for (const name of NDPI_CAPTURES) {
      const bt = readNdpiOut(join(DATA, 'ndpi/result', `${name}.out`)).filter((f) => NDPI_BT.test(f.proto));
      const hits = new Set(protocolAlerts(`ndpi/pcap/${name}`).map(detKey));
      const missed = bt.filter((f) => !hits.has(pairKey(f.l4, f.a, f.b)));
      lines.push(`${name}: ${bt.length - missed.length}/${bt.length}`);
      all += bt.length;
      found += bt.length - missed.length;
      expect(missed.map((f) => `${f.a} ${f.b}`), name).toEqual([]);
    }
    console.log(`BitTorrent recall on nDPI's captures: ${found}/${all} (${lines.join(', ')})`);
    expect(all).toBe(29);
  });

  it('what each of those alerts names', () => {
    const peer = protocolAlerts('ndpi/pcap/bittorrent.pcap');
    expect(new Set(peer.map((d) => d.bittorrent?.infoHashes?.[0]))).toEqual(new Set(['dcfcdccfb9e670ccc3dd40c78c161f2bea243126']));
    const utp = protocolAlerts('ndpi/pcap/bittorrent_utp.pcap').map((d) => `${d.rule.id} ${d.bittorrent?.transport} ${d.bittorrent?.via ?? ''}`).sort();
    // The libtorrent peer's DHT queries share the uTP flow's 5-tuple (one UDP socket for both).
    expect(utp).toEqual(['torrent-dht udp ', 'torrent-peer utp handshake', 'torrent-peer utp utp']);
    const miss = protocolAlerts('ndpi/pcap/bittorrent_tcp_miss.pcapng');
    expect(miss.map((d) => [d.bittorrent?.via, d.bittorrent?.infoHashes])).toEqual([['mse-plaintext', ['0f6b9cd2b7da4de9b6c846203920e3da49cdb795']]]);
    const tracker = protocolAlerts('ndpi/pcap/bt-http.pcapng')[0];
    expect(tracker.bittorrent?.client).toMatchObject({ name: 'Transmission', version: '2.94' });
    expect(tracker.http?.userAgent).toBe('Transmission/2.94');
    const lsd = protocolAlerts('ndpi/pcap/bt_search.pcap')[0];
    expect(lsd.bittorrent?.lsd?.port).toBe(61197);
  });

  it('no torrent-* protocol alert on any other nDPI capture', () => {
    const others = [...runs.keys()].filter((f) => f.startsWith('ndpi/') && !NDPI_CAPTURES.some((n) => f.endsWith(`/${n}`)));
    const fp = others.flatMap((f) => protocolAlerts(f).map((d) => `${f}: ${d.message}`));
    console.log(`torrent-* protocol alerts on nDPI's ${others.length} other captures: ${fp.length}`);
    expect(others.length).toBe(67);
    expect(fp).toEqual([]);
  });
});

describe('suricata-verify bittorrent-dht', () => {
  type Match = Record<string, string | number>;
  const doc = parseYaml(readFileSync(join(DATA, 'suricata-verify/bittorrent-dht/test.yaml'), 'utf8')) as { checks: { filter: { match: Match; requires?: unknown } }[] };
  const logged = doc.checks.map((c) => c.filter).filter((f) => !f.requires && f.match.event_type === 'bittorrent_dht').map((f) => f.match);

  it('every KRPC message Suricata logs, with the same fields', () => {
    const run = runs.get('suricata-verify/bittorrent-dht/input.pcap')!;
    const events = ofKind(run, 'bt-dht');
    expect(logged.length).toBe(16);
    for (const m of logged) {
      const e = events.find((x) => x.packet === m.pcap_cnt);
      expect(e, `packet ${m.pcap_cnt}`).toBeDefined();
      const ev = e!.ev as BtDhtEvent;
      const want: Partial<BtDhtEvent> = {};
      if (m['bittorrent_dht.transaction_id'] !== undefined && m['bittorrent_dht.transaction_id'] !== '') want.t = String(m['bittorrent_dht.transaction_id']);
      if (m['bittorrent_dht.request_type'] !== undefined) {
        want.y = 'q';
        want.q = String(m['bittorrent_dht.request_type']);
      }
      if (m['bittorrent_dht.request.id'] !== undefined) want.id = String(m['bittorrent_dht.request.id']);
      if (m['bittorrent_dht.response.id'] !== undefined) {
        want.y = 'r';
        want.id = String(m['bittorrent_dht.response.id']);
      }
      if (m['bittorrent_dht.request.target'] !== undefined) want.target = String(m['bittorrent_dht.request.target']);
      if (m['bittorrent_dht.request.info_hash'] !== undefined) want.infoHash = String(m['bittorrent_dht.request.info_hash']);
      if (m['bittorrent_dht.request.port'] !== undefined) want.port = Number(m['bittorrent_dht.request.port']);
      if (m['bittorrent_dht.request.implied_port'] !== undefined) want.impliedPort = m['bittorrent_dht.request.implied_port'] === 1;
      if (m['bittorrent_dht.client_version'] !== undefined) want.v = String(m['bittorrent_dht.client_version']);
      if (m['bittorrent_dht.error.num'] !== undefined) {
        want.y = 'e';
        want.errorCode = Number(m['bittorrent_dht.error.num']);
        want.errorMessage = String(m['bittorrent_dht.error.msg']);
      }
      expect(ev, `packet ${m.pcap_cnt}`).toMatchObject(want);
      if (m['bittorrent_dht.transaction_id'] === '') expect(ev.t).toBeUndefined();
      const values = Object.keys(m).filter((k) => /^bittorrent_dht\.response\.values\[\d+\]\.ip$/.test(k));
      expect(ev.values.map((v) => `${formatIp(v.version, v.words[0], v.words[1], v.words[2], v.words[3])}:${v.port}`)).toEqual(
        values.map((k) => `${m[k]}:${m[k.replace('.ip', '.port')]}`),
      );
    }
    // Suricata's malformed-packet anomaly (packet 15, no transaction id) is torwatch's bittorrent.bad_krpc;
    // the other two are the 9-byte `nodes` of packets 6 and 10, which no compact node list can be.
    expect(run.pipeline.app.summary().anomalies['bittorrent.bad_krpc']).toBe(3);
  });

  it('both DHT flows raise torrent-dht (recall 2/2)', () => {
    const hits = new Set(protocolAlerts('suricata-verify/bittorrent-dht/input.pcap').filter((d) => d.rule.id === 'torrent-dht').map(detKey));
    expect([...hits].sort()).toEqual([pairKey('udp', '190.0.0.1:20000', '190.0.0.3:30000'), pairKey('udp', '190.0.0.1:40000', '190.0.0.2:50000')].sort());
  });
});

describe('Zeek', () => {
  it('tracker.pcap: the announce Zeek logged is a torrent-tracker alert with its facts; the gzip answer is read', () => {
    const baseline = readFileSync(join(DATA, 'zeek/Baseline/scripts.base.protocols.bittorrent.tracker/output'), 'utf8');
    const m = /\[orig_h=([\d.]+), orig_p=(\d+)\/tcp, resp_h=([\d.]+), resp_p=(\d+)\/tcp, proto=\d+, ctx=\[\]\], (\S+),/.exec(baseline)!;
    const run = runs.get('zeek/Traces/bittorrent/tracker.pcap')!;
    const t = run.detections.filter((d) => d.rule.id === 'torrent-tracker');
    expect(t.length).toBe(1);
    expect(detKey(t[0])).toBe(pairKey('tcp', `${m[1]}:${m[2]}`, `${m[3]}:${m[4]}`));
    expect(t[0].http?.target).toBe(m[5]);
    expect(t[0].bittorrent).toMatchObject({
      transport: 'http',
      infoHashes: ['e4be9e4db876e3e3179778b03e906297be5c8dbe'],
      client: { name: 'Deluge', version: '1.3.15' },
      tracker: { action: 'announce', event: 'started', port: 63448, numwant: 200, peerId: '-DE13F0-VnpZRF8ZP9iv' },
    });
    const answers = ofKind(run, 'bt-tracker-response');
    expect(answers.length).toBe(1);
    expect(answers[0].ev.peerCount).toBeGreaterThan(10);
    expect(answers[0].ev.interval).toBeGreaterThan(0);
  });
});

describe('Arkime', () => {
  it('every session Arkime calls bittorrent has a torrent-* alert, but the BitTorrent Sync one', () => {
    let all = 0;
    const missed: string[] = [];
    for (const name of ['bt-tcp', 'bt-udp', 'ip-boundaries']) {
      const doc = JSON.parse(readFileSync(join(DATA, `arkime/tests/pcap/${name}.test`), 'utf8')) as { sessions3: { body: { source: { ip: string; port: number }; destination: { ip: string; port: number }; protocol: string[] } }[] };
      const hits = new Set(protocolAlerts(`arkime/tests/pcap/${name}.pcap`).map(detKey));
      for (const s of doc.sessions3) {
        const b = s.body;
        if (!b.protocol.includes('bittorrent')) continue;
        all++;
        const l4 = b.protocol.includes('udp') ? 'udp' : 'tcp';
        const key = pairKey(l4, canon(`${b.source.ip}:${b.source.port}`), canon(`${b.destination.ip}:${b.destination.port}`));
        if (!hits.has(key)) missed.push(`${name} ${b.source.ip}:${b.source.port} -> ${b.destination.ip}:${b.destination.port}`);
      }
    }
    console.log(`BitTorrent recall on Arkime's captures: ${all - missed.length}/${all}; not alerted: ${missed.join(', ')}`);
    expect(all).toBe(6);
    // "BSYNC\0" + bencoded {nonce, share}: BitTorrent Sync (Resilio), a different protocol from BEP 3.
    expect(missed).toEqual(['bt-tcp 10.10.10.10:43890 -> 10.11.11.11:15365']);
  });
});

describe('every other capture in ../shared/data', () => {
  it('no torrent-* protocol alert outside the BitTorrent captures above, and no parser throws', () => {
    const bt = new Set([
      ...NDPI_CAPTURES.map((n) => `ndpi/pcap/${n}`),
      'suricata-verify/bittorrent-dht/input.pcap',
      'zeek/Traces/bittorrent/tracker.pcap',
      'arkime/tests/pcap/bt-tcp.pcap',
      'arkime/tests/pcap/bt-udp.pcap',
      'arkime/tests/pcap/ip-boundaries.pcap',
    ]);
    const others = [...runs.keys()].filter((f) => !bt.has(f));
    for (const f of bt) expect(existsSync(join(DATA, f)), f).toBe(true);
    const fp = others.flatMap((f) => protocolAlerts(f).map((d) => `${f}: ${d.message}`));
    for (const f of runs.keys()) expect(runs.get(f)!.pipeline.app.summary().anomalies['applayer.internal_error'], f).toBeUndefined();
    console.log(`torrent-* protocol alerts on the other ${others.length} captures in ../shared/data: ${fp.length}`);
    expect(others.length).toBeGreaterThan(250);
    expect(fp).toEqual([]);
  });
});
