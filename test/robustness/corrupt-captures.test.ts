/**
 * Corrupted capture files through the real CLI: every capture in pcaps/ and every malformed-input
 * capture of ../shared/data (MANIFEST "Malformed input": libpcap's broken headers and blocks,
 * suricata-verify bug-* and decoder corner cases, nDPI fuzz-* / malformed_* / crash reproducers,
 * tcpdump's heap-overflow and invalid-timestamp reproducers, Zeek's truncated and bad-TLV traces),
 * each as it is and in seeded corrupted copies: bit flips, a truncation, spliced blocks from another
 * capture, an edited length field; gzip files corrupted before and after compression.
 *
 * One `torwatch replay` per capture reads its original and all its copies (as a user replays a
 * directory): it must finish inside a timeout, exit 0 or 2, print one line per bad file naming that
 * file and nothing else for people, never a stack trace; the run summary must name every input and
 * count no stage-internal error; every alert it prints is valid ECS.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { applyMutation, randomMutation, Rng } from '../fuzz/lib/mutate.js';
import { DATA, PCAPS } from '../fuzz/lib/corpus.js';
import { logLines, runCli } from '../support/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'tw7-corrupt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MALFORMED = [
  ...readdirSync(join(DATA, 'libpcap/tests')).filter((n) => /\.pcap(ng)?$/.test(n)).map((n) => `libpcap/tests/${n}`),
  'suricata-verify/bug-1450-04/tls_DER-incomplete-header.pcap', 'suricata-verify/bug-1450-05/tls_DER-incomplete-content.pcap', 'suricata-verify/bug-6875-01/fuzz.pcap',
  'suricata-verify/ipv4-truncated/truncated.pcap', 'suricata-verify/decode-too-small/test.pcap', 'suricata-verify/decode-unknown-1/input.pcap', 'suricata-verify/decode-too-many-layers/input.pcap',
  ...readdirSync(join(DATA, 'ndpi/pcap')).filter((n) => /^(fuzz-|malformed_|reasm_|ossfuzz_)|tls-esni-fuzzed|quic-fuzz-overflow|h323-overflow|ip_fragmented_garbage|kerberos_fuzz|dhcp-fuzz|badpackets/.test(n)).map((n) => `ndpi/pcap/${n}`),
  ...['timestamp_invalid_micro.pcap', 'timestamp_invalid_nano.pcap', 'LINKTYPE_IPV6_invalid.pcap', 'ipv6hdr-heapoverflow.pcap', 'gre-heapoverflow-1.pcap', 'radiotap-heapoverflow.pcap',
    'bad-ipv4-version-pgm-heapoverflow.pcap', 'ip6_frag_asan.pcap', 'ipv6_invalid_length.pcap', 'kday6.pcap', 'hoobr_juniper3.pcap', 'time_2106_overflow.pcapng'].map((n) => `tcpdump/tests/${n}`),
  'zeek/Traces/nflog-bad-tlv-len.pcap', 'zeek/Traces/dns/dns-invalid-names.pcap', 'zeek/Traces/dns/loc-invalid-length.pcap', 'zeek/Traces/tcp/truncated-header.pcap', 'zeek/Traces/tunnels/geneve-vxlan-dns-truncated.pcap',
].map((p) => join(DATA, p)).filter((p) => existsSync(p));

const OURS = readdirSync(PCAPS).filter((n) => /\.(pcap|pcapng)(\.gz)?$/.test(n) && statSync(join(PCAPS, n)).isFile()).map((n) => join(PCAPS, n));
const ALL = [...OURS, ...MALFORMED];
/** Splice donors: blocks of other real captures. */
const DONORS = ALL.slice(0, 40).map((f) => readFileSync(f)).filter((b) => b.length > 0);

/** Seeded corrupted copies of one capture. */
function corruptCopies(file: string, seed: number): string[] {
  const r = new Rng(seed);
  const orig = readFileSync(file);
  const gz = orig.length > 2 && orig[0] === 0x1f && orig[1] === 0x8b;
  const inner = gz ? gunzipSync(orig) : orig;
  // The seed keeps copies of two captures with the same name (suricata-verify's input.pcap) apart.
  const name = `${seed.toString(16)}-${basename(file).replace(/\.gz$/, '')}`;
  const out: string[] = [];
  const save = (what: string, bytes: Uint8Array, compress = gz): void => {
    const p = join(tmp, `${name}.${what}${compress ? '.gz' : ''}`);
    writeFileSync(p, compress ? gzipSync(bytes) : bytes);
    out.push(p);
  };
  if (inner.length === 0) return out;
  // Bit flips: a few anywhere; many in the first 64 bytes (headers, first record).
  let b: Uint8Array = inner;
  for (let i = 0; i < 1 + r.below(8); i++) b = applyMutation(b, { op: 'flip', at: r.u32(), bit: r.below(8) });
  save('flips', b);
  b = inner;
  for (let i = 0; i < 16; i++) b = applyMutation(b, { op: 'flip', at: r.below(64), bit: r.below(8) });
  save('headflips', b);
  save('truncated', inner.subarray(0, r.below(inner.length)));
  // Spliced blocks: a run of another capture's bytes over, or into, this one.
  const donor = DONORS[r.below(DONORS.length)];
  save('spliced', applyMutation(inner, { op: 'splice', at: r.u32(), donor: 0, from: r.u32(), n: 16 + r.below(512) }, [donor]));
  save('inserted', applyMutation(inner, { op: 'insert', at: r.u32(), bytes: donor.subarray(r.below(Math.max(1, donor.length - 600)), undefined).subarray(0, 16 + r.below(600)) }));
  // Length fields and other structure-aware edits, as the fuzzer makes them.
  b = inner;
  for (let i = 0; i < 3; i++) b = applyMutation(b, randomMutation(r, b.length, 1, 0.3), [donor]);
  save('edited', b);
  if (gz) {
    // The compressed stream itself corrupted, and cut short.
    const c = Buffer.from(orig);
    c[10 + r.below(c.length - 10)] ^= 0x20;
    save('zflip', c, false);
    save('ztrunc', orig.subarray(0, 10 + r.below(orig.length - 10)), false);
  }
  return out;
}

interface Summary {
  inputs: { name: string; error?: string }[];
  anomalies: Record<string, number>;
}

async function replayAll(files: string[]): Promise<void> {
  const started = performance.now();
  const r = await runCli(['replay', '--progress', 'never', ...files], { timeoutMs: 60_000 });
  const ms = performance.now() - started;
  const where = `${basename(files[0])} (${files.length} files): exit ${r.code}\n${r.stderr.slice(0, 3000)}`;
  expect(r.code, where).not.toBeNull(); // killed by the timeout: a hang
  expect([0, 2], where).toContain(r.code);
  expect(r.stderr, where).not.toMatch(/^\s+at |internal error/m);
  const human = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
  const summary = logLines(r.stderr).find((l) => l.msg === 'run summary')?.summary as Summary | undefined;
  expect(summary, where).toBeDefined();
  expect(summary!.inputs.map((i) => i.name)).toEqual(files);
  const failed = summary!.inputs.filter((i) => i.error !== undefined);
  // One line per bad file, naming it, in order; exit 2 exactly when some file was bad.
  expect(human, where).toEqual(failed.map((i) => `torwatch: ${i.error}`));
  for (const i of failed) expect(i.error!.startsWith(`${i.name}: `), where).toBe(true);
  expect(r.code).toBe(failed.length ? 2 : 0);
  expect(Object.keys(summary!.anomalies).filter((k) => k.endsWith('internal_error')), where).toEqual([]);
  expect(ms).toBeLessThan(60_000);
}

describe('corrupted captures through the CLI', () => {
  it('the inputs are there', () => {
    expect(OURS.length).toBeGreaterThanOrEqual(20);
    expect(MALFORMED.length).toBeGreaterThanOrEqual(45);
  });

  // Two replays at a time (the machine has two cores); one test per group of captures.
  const groups: string[][] = [];
  for (let i = 0; i < ALL.length; i += 6) groups.push(ALL.slice(i, i + 6));
  groups.forEach((group, gi) => {
    it(`group ${gi + 1}/${groups.length}: ${group.map((f) => basename(f)).join(', ')}`, async () => {
      const jobs = group.map((f, i) => [f, ...corruptCopies(f, 0x7007 + gi * 31 + i)]);
      for (let i = 0; i < jobs.length; i += 2) await Promise.all(jobs.slice(i, i + 2).map(replayAll));
    }, 180_000);
  });

  it('corrupted gzip on stdin: one line naming "-", exit 2, the packets before the damage still read', async () => {
    const gz = readFileSync(join(PCAPS, 'tor-port-mix.pcapng.gz'));
    const bad = Buffer.from(gz);
    bad[bad.length - 12] ^= 0xff;
    const r = await runCli(['replay', '-'], { stdin: bad, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    const human = r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
    expect(human).toHaveLength(1);
    expect(human[0]).toMatch(/^torwatch: -: /);
    const summary = logLines(r.stderr).find((l) => l.msg === 'run summary')?.summary as { packets: number };
    expect(summary.packets).toBeGreaterThan(0);
  });
});
