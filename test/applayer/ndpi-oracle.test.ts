/**
 * nDPI's own regression captures and results (../shared/data/ndpi, MANIFEST.md section 1) as an
 * oracle nobody here wrote:
 *  - tor.pcap: seven Tor link handshakes (nDPI labels three TLS.Tor by its SNI heuristic); torwatch
 *    must flag all seven with tor-link-fingerprint, and no other nDPI capture may raise one;
 *  - JA3 (nDPI's JA3C) and JA4 of every ClientHello nDPI fingerprints, and the SNI it reports;
 *  - the torrent hostname positives (bt-dns.pcap DNS utorrent.com, tls_torrent.pcapng SNI
 *    web.utorrent.com) and negatives (bt-http.pcapng, KakaoTalk_chat.pcap), MANIFEST.md section 0.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../src/detect/detection.js';
import { formatIp } from '../../src/util/ip.js';
import { pairKey, readNdpiOut, type NdpiFlow } from './ndpi-out.js';
import { DATA, runPipeline, type PipelineRun } from './run-pipeline.js';

const PCAP = join(DATA, 'ndpi/pcap');
const RESULT = join(DATA, 'ndpi/result');
const files = readdirSync(PCAP).sort();

const runs = new Map<string, PipelineRun>();
beforeAll(async () => {
  for (const f of files) runs.set(f, await runPipeline(join(PCAP, f)).catch(() => runPipeline(join(PCAP, f), { stopOnError: false })));
}, 120_000);

function detKey(d: Detection): string {
  const f = d.flow;
  const t = f.proto === 6 ? 'tcp' : 'udp';
  return pairKey(t, `${formatIp(f.ipVersion, f.a0, f.a1, f.a2, f.a3)}:${f.aPort}`, `${formatIp(f.ipVersion, f.b0, f.b1, f.b2, f.b3)}:${f.bPort}`);
}

function byRule(run: PipelineRun, rule: string): Detection[] {
  return run.detections.filter((d) => d.rule.id === rule);
}

describe('nDPI tor.pcap: Tor link handshakes', () => {
  it('all seven Tor TLS flows raise tor-link-fingerprint (recall 7/7), nothing else does', () => {
    const nd = readNdpiOut(join(RESULT, 'tor.pcap.out'));
    // The Tor link handshakes: every TLS flow of the capture (nDPI: TLS or TLS.Tor) with a www.*.com SNI.
    const tor = nd.filter((f) => /^91(\.163)?\//.test(f.proto) && /^www\.[a-z0-9]+\.com$/.test(f.hostname ?? ''));
    expect(tor.length).toBe(7);
    expect(tor.filter((f) => f.proto.includes('Tor')).length).toBe(3); // what nDPI itself labels
    const hits = new Set(byRule(runs.get('tor.pcap')!, 'tor-link-fingerprint').map(detKey));
    const found = tor.filter((f) => hits.has(pairKey(f.l4, f.a, f.b)));
    console.log(`tor-link-fingerprint recall on nDPI tor.pcap: ${found.length}/${tor.length}`);
    expect(found.length).toBe(7);
    expect(hits.size).toBe(7);
    // Every one of them had the Tor certificate pair in the clear (TLS 1.0): confidence high.
    for (const d of byRule(runs.get('tor.pcap')!, 'tor-link-fingerprint')) expect(d.confidence).toBe('high');
  });

  it('no tor-link-fingerprint alert on any other nDPI capture', () => {
    const others = files.filter((f) => f !== 'tor.pcap');
    const fp = others.flatMap((f) => byRule(runs.get(f)!, 'tor-link-fingerprint').map((d) => `${f}: ${d.message}`));
    const stats = others.map((f) => runs.get(f)!.pipeline.app.summary().stats);
    const tlsFlows = stats.reduce((n, s) => n + (s.tls_client_hellos ?? 0) + (s.quic_client_hellos ?? 0), 0);
    console.log(`tor-link-fingerprint false alerts on the ${others.length} other nDPI captures (${tlsFlows} TLS and QUIC ClientHellos): ${fp.length}`);
    expect(tlsFlows).toBeGreaterThanOrEqual(45);
    expect(fp).toEqual([]);
  });
});

describe('nDPI hostname positives and negatives (MANIFEST.md section 0)', () => {
  const hosts = (f: string): string[] => runs.get(f)!.detections.filter((d) => d.hostname).map((d) => `${d.rule.id} ${d.hostname!.source} ${d.hostname!.name}`);

  it('bt-dns.pcap: DNS question utorrent.com', () => {
    expect(hosts('bt-dns.pcap')).toEqual(['torrent-hostname dns utorrent.com']);
  });

  it('tls_torrent.pcapng: SNI web.utorrent.com', () => {
    expect(hosts('tls_torrent.pcapng')).toEqual(['torrent-hostname tls web.utorrent.com']);
  });

  it('bt-http.pcapng (tracker host without a keyword) and KakaoTalk_chat.pcap (.onion only in certificate SANs): nothing', () => {
    expect(hosts('bt-http.pcapng')).toEqual([]);
    expect(hosts('KakaoTalk_chat.pcap')).toEqual([]);
  });

  it('no other hostname alert anywhere in nDPI\'s captures', () => {
    const all = files.flatMap((f) => hosts(f).filter((h) => !h.startsWith('tor-link')).map((h) => `${f}: ${h}`));
    expect(all).toEqual(['bt-dns.pcap: torrent-hostname dns utorrent.com', 'tls_torrent.pcapng: torrent-hostname tls web.utorrent.com']);
  });
});

/**
 * JA4 differences that are nDPI's, not JA4's (FoxIO JA4 spec): nDPI writes 'd' even without an SNI
 * extension (the spec: 'i'), takes the first two ALPN characters (the spec: first and last, so
 * http/1.1 -> h1), writes version 00 when it missed supported_versions, and hashes an empty
 * extension list instead of writing twelve zeros. The cipher and extension counts and both hashes
 * must agree exactly.
 */
function ja4Agrees(ours: string, theirs: string, hasSni: boolean): boolean {
  const [oa, ob, oc] = ours.split('_');
  const [ta, tb, tc] = theirs.split('_');
  if (ob !== tb) return false;
  if (oc !== tc && !(oc === '000000000000' && tc === 'e3b0c44298fc')) return false;
  if (oa[0] !== ta[0] || oa.slice(4, 8) !== ta.slice(4, 8) || oa[8] !== ta[8]) return false;
  if (ta.slice(1, 3) !== '00' && oa.slice(1, 3) !== ta.slice(1, 3)) return false;
  if (hasSni && oa[3] !== ta[3]) return false;
  return true;
}

describe('ClientHello facts against nDPI (JA3C, JA4, SNI)', () => {
  it('every flow nDPI fingerprints: same JA3, same JA4 (modulo nDPI\'s documented deviations), same SNI', () => {
    let ja3 = 0;
    let ja4 = 0;
    const problems: string[] = [];
    for (const f of files) {
      const out = join(RESULT, `${f}.out`);
      if (!existsSync(out)) continue;
      const nd: NdpiFlow[] = readNdpiOut(out).filter((x) => x.ja3c || x.ja4);
      if (!nd.length) continue;
      const hellos = new Map<string, Record<string, unknown>>();
      for (const e of runs.get(f)!.events) {
        if (e.ev.kind !== 'tls-client-hello' && e.ev.kind !== 'quic-client-hello') continue;
        const m = /^(\w+) (\S+) -> (\S+)$/.exec(e.flow)!;
        hellos.set(pairKey(m[1], m[2], m[3]), e.ev as unknown as Record<string, unknown>);
      }
      for (const n of nd) {
        const h = hellos.get(pairKey(n.l4, n.a, n.b));
        if (!h) {
          problems.push(`${f} ${n.a} ${n.b}: no ClientHello`);
          continue;
        }
        if (n.ja3c) {
          ja3++;
          if (h.ja3 !== n.ja3c) problems.push(`${f} ${n.a}: JA3 ${String(h.ja3)} != ${n.ja3c}`);
        }
        if (n.ja4) {
          ja4++;
          if (!ja4Agrees(String(h.ja4), n.ja4, h.sni !== undefined)) problems.push(`${f} ${n.a}: JA4 ${String(h.ja4)} vs ${n.ja4}`);
        }
        if (n.hostname && h.sni !== undefined && h.sni !== n.hostname) problems.push(`${f} ${n.a}: SNI ${String(h.sni)} != ${n.hostname}`);
      }
    }
    console.log(`nDPI comparison: ${ja3} JA3C and ${ja4} JA4 fingerprints checked`);
    expect(problems).toEqual([]);
    expect(ja3).toBeGreaterThanOrEqual(56);
    expect(ja4).toBeGreaterThanOrEqual(56);
  });
});
