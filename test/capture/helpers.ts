/**
 * Shared helpers of the capture-file reader tests: collect what our reader delivers, and what the
 * independent oracles (tshark, pcap-parser) say about the same file.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { readCaptureFile, type CaptureFileInfo, type ReadOptions } from '../../src/capture/file/open.js';
import type { Frame } from '../../src/capture/frame.js';

export const DATA = '/work/shared/data';
export const REPO_PCAPS = join(import.meta.dirname, '../../pcaps');
/** Captures made by fixtures/make-fixtures.sh with tcpdump/dumpcap on loopback. */
export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** One delivered record, copied out of the reader's reused Frame/buffer. */
export interface Rec {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  linktype: number;
  ifIndex: number;
  index: number;
  fileOffset: number;
  hex: string;
}

export function snapshot(f: Frame): Rec {
  return {
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    caplen: f.caplen,
    wirelen: f.wirelen,
    linktype: f.linktype,
    ifIndex: f.ifIndex,
    index: f.index,
    fileOffset: f.fileOffset,
    hex: f.buf.toString('hex', f.off, f.off + f.caplen),
  };
}

export interface ReadResult {
  recs: Rec[];
  info?: CaptureFileInfo;
  error?: unknown;
}

/** Read a whole input; never throws (the error, if any, is returned next to the records before it). */
export async function readAll(name: string, opts: ReadOptions = {}): Promise<ReadResult> {
  const recs: Rec[] = [];
  try {
    const info = await readCaptureFile(name, (f) => recs.push(snapshot(f)), opts);
    return { recs, info };
  } catch (error) {
    return { recs, error };
  }
}

export function tsString(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

/** What tshark reports for one packet record. */
export interface TsharkRec {
  time: string; // frame.time_epoch ("" for blocks without a timestamp, e.g. SPB)
  caplen: number;
  wirelen: number;
  section: number;
  ifId: number;
  hex?: string;
}

function tsharkEnv(): NodeJS.ProcessEnv {
  // No personal configuration or plugins may change what tshark reports.
  return { ...process.env, WIRESHARK_CONFIG_DIR: '/nonexistent-torwatch-test', LC_ALL: 'C' };
}

/**
 * tshark's packet records (non-packet pcapng records such as custom blocks have no encapsulation and
 * are left out), and its complaint if it stopped early. withBytes: JSON output with frame_raw (small
 * files only).
 */
export function tsharkRecords(file: string, withBytes: boolean): { recs: TsharkRec[]; error?: string } {
  const args = withBytes
    ? ['-r', file, '-T', 'json', '-x']
    : ['-r', file, '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len', '-e', 'frame.section_number', '-e', 'frame.interface_id', '-e', 'frame.encap_type'];
  const p = spawnSync('tshark', args, { env: tsharkEnv(), maxBuffer: 512 * 1024 * 1024 });
  if (p.error) throw p.error;
  const out = p.stdout.toString('utf8');
  const error = p.status === 0 ? undefined : p.stderr.toString('utf8').replace(/^Running as user.*\n/m, '').trim();
  const recs: TsharkRec[] = [];
  if (withBytes) {
    const docs = JSON.parse(out || '[]') as Array<{ _source: { layers: Record<string, unknown> } }>;
    for (const d of docs) {
      const layers = d._source.layers;
      const fr = layers.frame as Record<string, string> | undefined;
      if (!fr || fr['frame.encap_type'] === undefined) continue;
      const raw = layers.frame_raw as [string, ...unknown[]] | undefined;
      recs.push({
        time: fr['frame.time_epoch'] ?? '',
        caplen: Number(fr['frame.cap_len']),
        wirelen: Number(fr['frame.len']),
        section: Number(fr['frame.section_number'] ?? '1'),
        ifId: Number(fr['frame.interface_id'] ?? '0'),
        hex: raw ? raw[0] : '',
      });
    }
    return { recs, error };
  }
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [time, cap, len, section, ifId, encap] = line.split('\t');
    if (!encap) continue;
    recs.push({ time, caplen: Number(cap), wirelen: Number(len), section: Number(section || '1'), ifId: Number(ifId || '0') });
  }
  return { recs, error };
}

/** What `file` (libmagic) says, to pick inputs by content rather than by name. */
export function fileType(path: string): string {
  return execFileSync('file', ['-b', path]).toString('utf8').trim();
}

/** Regular files under `dir`, recursively, sorted. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

export function sizeOf(path: string): number {
  return statSync(path).size;
}

/** pcap-parser's view of a classic pcap: every record, or the error it stopped with. */
export interface OracleRec {
  tsSec: number;
  tsUsec: number;
  caplen: number;
  wirelen: number;
  hex: string;
}

interface PcapParserModule {
  parse(input: string): EventEmitter;
}

export function pcapParserRecords(file: string): Promise<{ recs: OracleRec[]; linktype: number; error?: Error }> {
  const require = createRequire(import.meta.url);
  const pcapp = require('pcap-parser') as PcapParserModule;
  return new Promise((resolve) => {
    const recs: OracleRec[] = [];
    let linktype = -1;
    let error: Error | undefined;
    const p = pcapp.parse(file);
    p.on('globalHeader', (h: { linkLayerType: number }) => {
      linktype = h.linkLayerType;
    });
    p.on('packet', (pk: { header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number }; data: Buffer }) => {
      recs.push({
        tsSec: pk.header.timestampSeconds,
        tsUsec: pk.header.timestampMicroseconds,
        caplen: pk.header.capturedLength,
        wirelen: pk.header.originalLength,
        hex: pk.data.toString('hex'),
      });
    });
    p.on('error', (e: Error) => {
      error = e;
    });
    p.on('end', () => resolve({ recs, linktype, error }));
  });
}

/** Is the input a classic pcap (by magic) that pcap-parser can read (microsecond magic, version 2.4)? */
export function isPlainMicroPcap24(head: Buffer): boolean {
  if (head.length < 24) return false;
  const m = head.readUInt32BE(0);
  if (m === 0xa1b2c3d4) return head.readUInt16BE(4) === 2 && head.readUInt16BE(6) === 4;
  if (m === 0xd4c3b2a1) return head.readUInt16LE(4) === 2 && head.readUInt16LE(6) === 4;
  return false;
}

export function haveTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
