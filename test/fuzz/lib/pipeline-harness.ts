/**
 * The whole pipeline in-process, for fuzzing: decode -> flow table -> app layer -> detectors (with a
 * relay set, threat intel and exclusions loaded, so every rule can fire) -> aggregation -> the ECS
 * alert builder -> JSON -> the RFC 5424 formatter and octet-counting framing (what the syslog outputs
 * send). Only the transports' I/O is left out.
 *
 * After each run it checks what must hold whatever the input:
 *  - no exception escapes any stage;
 *  - no stage caught one of its own (decoder.internal_error, applayer.internal_error: a bug caught at
 *    the stage boundary is still a bug);
 *  - every byte of the app layer's memory budget is given back once the flows end;
 *  - the flow table never holds more than --max-flows, and is empty after the final flush;
 *  - every alert is valid ECS (test/support/ecs-schema.ts), bounded in size, and survives syslog framing;
 *  - the run finishes inside a generous time budget.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Aggregator } from '../../../src/detect/aggregate/aggregator.js';
import { AlertBuilder } from '../../../src/alert/ecs-alert.js';
import { DnsCache } from '../../../src/detect/hosts/dns-names.js';
import type { Frame } from '../../../src/capture/frame.js';
import { defaultSettings } from '../../../src/config/settings.js';
import { AllowList } from '../../../src/detect/allow.js';
import { RULE_IDS } from '../../../src/detect/catalog.js';
import { DEFAULT_TIMEOUTS } from '../../../src/flow/table.js';
import { IntelHolder, loadIntel, type Intel } from '../../../src/intel/intel.js';
import { frame as frameMessage } from '../../../src/output/framing.js';
import { Deframer } from '../../support/deframer.js';
import { SyslogFormatter } from '../../../src/output/syslog-message.js';
import { createDetectors } from '../../../src/detect/registry.js';
import { Pipeline } from '../../../src/pipeline/pipeline.js';
import { CidrSet } from '../../../src/util/cidr.js';
import { ecsFields, ecsProblems } from '../../support/ecs-schema.js';
import { PCAPS } from './corpus.js';

/** One frame of a fuzz case. */
export interface CaseFrame {
  bytes: Uint8Array;
  linktype: number;
  tsSec: number;
  tsNsec: number;
  /** Wire length (>= bytes.length; larger means the frame was snapped). */
  wirelen: number;
}

export interface Outcome {
  /** What went wrong (empty: nothing). */
  problems: string[];
  /** The alerts as JSON lines and as syslog messages, when asked for (`keep`). */
  lines?: string[];
  syslog?: Buffer[];
  alerts: number;
  packets: number;
  ms: number;
}

/** Largest alert JSON accepted: names are capped at 255 octets, lists are short; 16 KiB is far above any real alert. */
export const MAX_ALERT_BYTES = 16 * 1024;
export const MAX_FLOWS = 512;
/** Per-case budget: a case is at most a few hundred frames; bounded stages take well under 50 ms. */
export const CASE_BUDGET_MS = 2000;

const silent = pino({ level: 'silent' });

/** The intel every fuzz case runs with, as files and as the CLI options that load them. */
export interface FuzzIntelFiles {
  relays: string[];
  intel: string[];
  allow: string[];
  cacheDir: string;
  /** The same as replay options (regression tests run the CLI with them). */
  args: string[];
}

/**
 * Relay list, threat intel and exclusions, as files in `dir`: the regression captures' "public"
 * addresses (198.51.100.0/24, 203.0.113.0/24) are listed exits, the private Tor network's
 * consensuses list its relays; one address and one name have a threat-intel hit.
 */
export function writeFuzzIntel(dir: string): FuzzIntelFiles {
  const exits = join(dir, 'exits.txt');
  writeFileSync(exits, '# exit list\n198.51.100.0/24\n203.0.113.0/24\n2001:db8:2::5\n');
  const ti = join(dir, 'ti.csv');
  writeFileSync(ti, 'indicator,type,confidence,threat_type,tlp,tags\n198.51.100.5,ip,90,tor,amber,fuzz\nexample.onion,domain,50,tor,green,fuzz\n');
  const relays = [`${exits}#exit`, join(PCAPS, 'tor-private-net.consensus')];
  const allow = [...FUZZ_ALLOW];
  const args = [...relays.flatMap((r) => ['--relays', r]), '--intel', ti, ...allow.flatMap((a) => ['--allow', a]), '--relays-cache', dir, '--max-flows', String(MAX_FLOWS)];
  return { relays, intel: [ti], allow, cacheDir: dir, args };
}

export async function fuzzIntel(): Promise<Intel> {
  const f = writeFuzzIntel(mkdtempSync(join(tmpdir(), 'tw7-fuzz-intel-')));
  const s = defaultSettings();
  s.relays = f.relays;
  s.intel = f.intel;
  s.relaysCache = f.cacheDir;
  return loadIntel(s, { log: silent });
}

/** The exclusions every fuzz case runs with (an endpoint rule and a domain), as --allow gives them. */
const FUZZ_ALLOW = ['port:8443@tor-exit', 'domain:allowed.example'];

export class PipelineHarness {
  private readonly allow = AllowList.parse(FUZZ_ALLOW);
  private readonly formatter = new SyslogFormatter({ format: 'rfc5424', facility: 16, appName: 'torwatch', hostname: 'fuzz', procId: '1', bom: true, enterpriseId: '32473', version: 'fuzz' });
  private readonly frame: Frame = { buf: Buffer.alloc(0), off: 0, caplen: 0, wirelen: 0, tsSec: 0, tsNsec: 0, linktype: 1, ifIndex: 0, index: 0, fileOffset: 0 };

  private readonly homeNet = CidrSet.parse(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']);
  /** Alerts checked against ECS so far: every one of the first 2000, then one in 8 (the check costs more than the pipeline). */
  private alertsSeen = 0;

  constructor(private readonly intel: Intel) {
    // Load ECS's field list now, not inside the first case's time budget.
    ecsFields();
  }

  /** Run one case through a fresh pipeline (so a failure reproduces from the case alone). */
  run(frames: readonly CaseFrame[], keep = false): Outcome {
    const problems: string[] = [];
    const lines: string[] = [];
    const syslog: Buffer[] = [];
    let alerts = 0;
    const t0 = performance.now();
    const holder = new IntelHolder(this.intel);
    const builder = new AlertBuilder({ observer: { hostname: 'fuzz', version: 'fuzz' }, eventIds: 'deterministic' });
    const deframer = new Deframer('octet-counting');
    const send = (doc: ReturnType<AlertBuilder['build']>): void => {
      alerts++;
      const line = JSON.stringify(doc);
      if (line.length > MAX_ALERT_BYTES) problems.push(`alert of ${line.length} bytes (cap ${MAX_ALERT_BYTES})`);
      if (this.alertsSeen++ < 2000 || this.alertsSeen % 8 === 0) {
        const ecs = ecsProblems(JSON.parse(line) as Record<string, unknown>);
        if (ecs.length) problems.push(`alert not valid ECS: ${ecs.slice(0, 3).join('; ')}`);
      }
      const msg = this.formatter.format(line, doc);
      if (keep) {
        lines.push(line);
        syslog.push(msg);
      }
      const back = deframer.push(frameMessage(msg, 'octet-counting'));
      if (back.length !== 1 || !back[0].equals(msg)) problems.push('syslog framing did not give the message back');
    };
    const aggregator = new Aggregator({
      windowSec: 3600,
      ratePerMinute: 100,
      emitAlert: (d) => {
        send(builder.build(d));
        return builder.lastEventId;
      },
      emitSummary: (sum) => send(builder.buildSummary(sum)),
      log: silent,
    });
    const p = new Pipeline({
      homeNet: this.homeNet,
      maxFlows: MAX_FLOWS,
      timeouts: DEFAULT_TIMEOUTS,
      detectors: createDetectors(holder),
      enabledRules: new Set(RULE_IDS),
      onDetection: (d) => aggregator.onDetection(d),
      exclude: (d) => this.allow.match(d),
      timer: aggregator,
      // Small, so that a case also exercises replacement in a full cache; and cheap to make per case.
      dnsCache: new DnsCache({ entries: 64 }),
    });
    p.setInput('fuzz');
    const f = this.frame;
    try {
      for (let i = 0; i < frames.length; i++) {
        const c = frames[i];
        f.buf = Buffer.from(c.bytes.buffer, c.bytes.byteOffset, c.bytes.length);
        f.off = 0;
        f.caplen = c.bytes.length;
        f.wirelen = Math.max(c.wirelen, c.bytes.length);
        f.linktype = c.linktype;
        f.tsSec = c.tsSec;
        f.tsNsec = c.tsNsec;
        f.index = i + 1;
        p.onFrame(f);
        if (p.flows.size > MAX_FLOWS) problems.push(`flow table holds ${p.flows.size} flows (cap ${MAX_FLOWS})`);
      }
      p.finish();
    } catch (err) {
      problems.push(`exception escaped the pipeline: ${(err as Error)?.stack ?? String(err)}`);
    }
    const an = { ...p.anomalies.toObject(), ...p.app.summary().anomalies };
    const stack = (e: unknown): string => (e as Error)?.stack ?? String(e);
    if (an['decoder.internal_error']) problems.push(`decoder.internal_error ${an['decoder.internal_error']}: ${stack(p.decoder.lastInternalError)}`);
    if (an['applayer.internal_error']) problems.push(`applayer.internal_error ${an['applayer.internal_error']}: ${stack(p.app.lastInternalError)}`);
    if (p.app.budget.used !== 0) problems.push(`app-layer memory budget not given back: ${p.app.budget.used} bytes held after the flows ended`);
    if (p.flows.size !== 0) problems.push(`${p.flows.size} flows left after the final flush`);
    const ms = performance.now() - t0;
    if (ms > CASE_BUDGET_MS) problems.push(`case took ${Math.round(ms)} ms (budget ${CASE_BUDGET_MS} ms) for ${frames.length} frames`);
    return { problems: [...new Set(problems)], alerts, packets: p.counters.packets, ms, ...(keep ? { lines, syslog } : {}) };
  }
}
