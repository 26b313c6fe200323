import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import { COMMON_OPTIONS, type OptionSpec } from '../config/options.js';
import type { Settings } from '../config/settings.js';
import { parseAddress, parseTorTime } from '../intel/addr.js';
import { loadRelaySources } from '../intel/intel.js';
import { defaultCacheDir, RelayCache } from '../intel/relays/cache.js';
import { builtinAge } from '../intel/relays/builtin.js';
import { DEFAULT_RELAY_URLS } from '../intel/relays/defaults.js';
import { defaultRelaySources } from '../intel/relays/default-set.js';
import { importRelayLists } from '../intel/relays/import.js';
import { loadUrl, parseRelaySpec } from '../intel/relays/load.js';
import { roleNames, type SourceInfo } from '../intel/relays/model.js';
import { PortMatch, RelaySet } from '../intel/relays/relay-set.js';
import { createLogger } from '../log/logger.js';
import { UserError } from '../util/errors.js';
import { addOptions, settingsFrom } from './settings-from-cli.js';
import { torwatchVersion } from './version.js';
import { notAddress } from '../util/ip.js';

/** The options that mean something to the relays subcommands (all others are still accepted in --config). */
const RELAY_KEYS = new Set(['relays', 'relays-cache', 'relays-stale-grace', 'relays-early-grace', 'relays-max-age', 'relays-fetch-timeout', 'relays-max-size', 'log-level']);
const relayOptions = (): OptionSpec[] => COMMON_OPTIONS.filter((o) => RELAY_KEYS.has(o.key));

async function setup(cmd: Command): Promise<{ settings: Settings; log: Logger; cache: RelayCache }> {
  // Defaults to warnings only: these commands print their own report on stdout.
  const settings = await settingsFrom(cmd, COMMON_OPTIONS);
  const explicitLevel = cmd.getOptionValueSource('logLevel') === 'cli';
  const log = createLogger(explicitLevel ? settings.logLevel : 'warn');
  return { settings, log, cache: new RelayCache(settings.relaysCache ?? defaultCacheDir()) };
}

/**
 * The relay set named by --relays, or else what a run would use without it (default-set.ts): the lists
 * in the cache (`relays update`, `relays import`), else the built-in snapshot. Never the network.
 * Directories' files that are not relay lists are reported through `onSkipped`.
 */
async function relaySet(settings: Settings, log: Logger, onSkipped?: (dir: string, files: string[]) => void): Promise<RelaySet> {
  const sources = await loadRelaySources(settings, { log, userAgent: `torwatch/${torwatchVersion()}`, onSkipped });
  if (!sources.length) throw new UserError("no relay set (--relays none): nothing to show or look up");
  return new RelaySet(sources, { graceMs: settings.relaysStaleGraceMs, maxAgeMs: settings.relaysMaxAgeMs, earlyGraceMs: settings.relaysEarlyGraceMs });
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));

function age(ms: number): string {
  const s = Math.round(ms / 1000);
  const a = Math.abs(s);
  const txt = a < 120 ? `${a}s` : a < 7200 ? `${Math.round(a / 60)}m` : a < 172800 ? `${Math.round(a / 3600)}h` : `${Math.round(a / 86400)}d`;
  return s < 0 ? `in ${txt}` : txt;
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

export function registerRelaysCommand(program: Command): void {
  const relays = program.command('relays').description('fetch, import and inspect the Tor relay set (update, import, show, lookup)');

  const update = relays
    .command('update')
    .description('fetch the Tor Project\'s Onionoo details and bulk exit list (or --source URLs) into the relay cache')
    .addOption(new Option('--source <url>', 'fetch this URL instead of the defaults; repeatable').argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]))
    .addHelpText('after', `\nDefaults:\n${DEFAULT_RELAY_URLS.map((u) => `  ${u}`).join('\n')}\nThe daemon (capture) reads these from the cache when a fetch fails: put the same URLs in --relays.`);
  addOptions(update, relayOptions()).action(async (o: { source?: string[] }, cmd: Command) => {
    const { settings, log, cache } = await setup(cmd);
    const urls = o.source?.length ? o.source : [...DEFAULT_RELAY_URLS];
    const failed: string[] = [];
    const rows = [['URL', 'FORMAT', 'RELAYS', 'IPv4', 'IPv6', 'STATUS']];
    for (const url of urls) {
      const spec = parseRelaySpec(url);
      if (!spec.isUrl) throw new UserError(`--source ${url}: not an http(s) URL`);
      try {
        const p = await loadUrl(spec, { log, cache, userAgent: `torwatch/${torwatchVersion()}`, fetchTimeoutMs: settings.relaysFetchTimeoutMs, maxBytes: settings.relaysMaxBytes });
        const i = p.info;
        if (i.fromCache) failed.push(url);
        rows.push([url, i.format, String(i.relays), String(i.v4), String(i.v6), i.fromCache ? `FAILED; kept the cached copy of ${iso(i.fetchedAtMs)}` : 'fetched']);
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        failed.push(url);
        rows.push([url, '-', '-', '-', '-', `FAILED: ${err.message.replace(url + ': ', '')}`]);
      }
    }
    process.stdout.write(table(rows) + `cache: ${cache.dir}\n`);
    if (failed.length) {
      // Say what relay matching uses meanwhile: the cache, else the snapshot torwatch ships.
      const inUse = defaultRelaySources(cache, log).map((x) => (x.info.builtin ? `${x.info.name} (${builtinAge(x.info, Date.now())})` : x.info.name));
      throw new UserError(`${failed.length} of ${urls.length} relay lists could not be fetched (see above); without --relays, tor-relay and tor-exit use: ${inUse.join(', ')}`);
    }
  });

  const importCmd = relays
    .command('import')
    .description('install relay lists carried in by hand (an air-gapped sensor) into the relay cache, where runs without --relays find them')
    .argument('<path...>', 'relay list files or directories (any format --relays reads; #exit/#guard/#relay for plain lists)')
    .addHelpText('after', `
Each list is kept under its file name: importing a newer copy of the same list replaces it; dated
consensuses keep their names and make a timeline. Files in a directory that are not relay lists are
skipped and named. Runs without --relays then use the cache instead of the built-in snapshot.

Examples:
  torwatch relays import /media/usb/torbulkexitlist /media/usb/details.json
  torwatch relays import /media/usb/consensuses-2026-12/`);
  addOptions(importCmd, relayOptions()).action(async (paths: string[], _o: unknown, cmd: Command) => {
    const { cache } = await setup(cmd);
    const rows = [['FILE', 'FORMAT', 'LIST TIME', 'RELAYS', 'IPv4', 'IPv6']];
    const skipped: string[] = [];
    for (const p of paths) {
      const r = importRelayLists(p, cache);
      for (const { file, info } of r.imported) rows.push([file, info.format, `${iso(info.timeMs)} (${info.timeFrom})`, String(info.relays), String(info.v4), String(info.v6)]);
      skipped.push(...r.skipped);
    }
    let out = table(rows);
    if (skipped.length) out += `skipped ${skipped.length} file(s) that are not relay lists: ${skipped.join(', ')}\n`;
    out += `imported ${rows.length - 1} list(s) into ${cache.dir}; runs without --relays now use the cache ('torwatch relays show')\n`;
    process.stdout.write(out);
  });

  const show = relays
    .command('show')
    .description('print the relay set: sources with their ages, counts by role and address family')
    .addOption(new Option('--json', 'print as JSON'));
  addOptions(show, relayOptions()).action(async (o: { json?: boolean }, cmd: Command) => {
    const { settings, log } = await setup(cmd);
    const started = performance.now();
    const skipped: string[] = [];
    const set = await relaySet(settings, log, (_dir, files) => skipped.push(...files));
    const loadMs = performance.now() - started;
    const now = Date.now();
    const src = (s: SourceInfo): Record<string, unknown> => ({
      name: s.name, format: s.format, time: iso(s.timeMs), timeFrom: s.timeFrom, ageSeconds: Math.round((now - s.timeMs) / 1000),
      validAfter: iso(s.validAfterMs), validUntil: iso(s.validUntilMs), fetchedAt: iso(s.fetchedAtMs), fromCache: s.fromCache,
      builtin: s.builtin, importedAt: iso(s.importedAtMs),
      relays: s.relays, ipv4: s.v4, ipv6: s.v6, roles: set.roleCounts.get(s),
    });
    const addresses = set.addressCounts;
    const snaps = set.timeline.snapshots;
    if (o.json) {
      process.stdout.write(JSON.stringify({
        sources: set.sources.map(src),
        snapshots: snaps.map((s) => ({ validAfter: iso(s.validAfterMs), validUntil: iso(s.validUntilMs), sources: s.sources.map((x) => x.name) })),
        addresses,
        skipped,
        loadMs: Math.round(loadMs * 10) / 10,
      }, null, 2) + '\n');
      return;
    }
    const roleCols = ['guard', 'exit', 'middle', 'authority', 'bad-exit', 'relay'];
    const rows = [['SOURCE', 'FORMAT', 'LIST TIME', 'AGE', 'RELAYS', 'IPv4', 'IPv6', ...roleCols.map((r) => r.toUpperCase())]];
    for (const s of set.sources) {
      const rc = set.roleCounts.get(s) ?? {};
      rows.push([s.name + (s.fromCache ? ' (cached)' : s.importedAtMs !== undefined ? ' (imported)' : ''), s.format, `${iso(s.timeMs)} (${s.timeFrom})`, age(now - s.timeMs), String(s.relays), String(s.v4), String(s.v6), ...roleCols.map((r) => String(rc[r] ?? 0))]);
    }
    let out = table(rows);
    out += `distinct addresses: ${addresses.v4} IPv4, ${addresses.v6} IPv6${addresses.blocks ? `, ${addresses.blocks} CIDR blocks` : ''}\n`;
    if (snaps.length) out += `dated snapshots: ${snaps.length}, ${iso(snaps[0].validAfterMs)} .. ${iso(snaps[snaps.length - 1].validUntilMs)} (plus ${age(settings.relaysStaleGraceMs)} grace)\n`;
    if (skipped.length) out += `skipped ${skipped.length} file(s) that are not relay lists: ${skipped.join(', ')}\n`;
    const builtin = set.sources.find((x) => x.builtin);
    if (builtin) out += `this is the snapshot shipped with torwatch (${builtinAge(builtin, now)}); refresh with 'torwatch relays update' or 'torwatch relays import <files>'\n`;
    out += `loaded in ${loadMs.toFixed(1)} ms\n`;
    process.stdout.write(out);
  });

  const lookup = relays
    .command('lookup')
    .description('say whether, when and as what an address was a listed relay')
    .argument('<ip>', 'IPv4 or IPv6 address')
    .addOption(new Option('--at <time>', "also say what it was at this time (ISO 8601 or 'YYYY-MM-DD HH:MM:SS', UTC)"))
    .addOption(new Option('--port <n>', 'with --at: the port seen, for the ORPort/DirPort match'))
    .addOption(new Option('--json', 'print as JSON'));
  addOptions(lookup, relayOptions()).action(async (ipText: string, o: { at?: string; port?: string; json?: boolean }, cmd: Command) => {
    const ip = parseAddress(ipText.trim());
    if (!ip) throw new UserError(notAddress(ipText.trim()));
    let at: number | undefined;
    if (o.at !== undefined) {
      at = parseTorTime(o.at);
      if (Number.isNaN(at)) at = Date.parse(o.at);
      if (Number.isNaN(at)) throw new UserError(`--at: '${o.at}' is not a time (ISO 8601 or 'YYYY-MM-DD HH:MM:SS' UTC)`);
    }
    const port = o.port === undefined ? 0 : Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: '${o.port}' is not a port`);
    const { settings, log } = await setup(cmd);
    const set = await relaySet(settings, log);
    const history = set.history(ip.version, ip.words);
    const w = ip.words;
    const atMatch = at === undefined ? undefined : set.lookup(ip.version, w[0], w[1], w[2], w[3], port, at);
    if (o.json) {
      process.stdout.write(JSON.stringify({
        address: ipText.trim(),
        listed: history.length > 0,
        history: history.map((h) => ({ ...h, from: iso(h.fromMs), to: iso(h.toMs), firstSeen: iso(h.firstSeenMs), lastSeen: iso(h.lastSeenMs), fromMs: undefined, toMs: undefined, firstSeenMs: undefined, lastSeenMs: undefined })),
        ...(at !== undefined ? {
          at: iso(at),
          match: atMatch ? {
            roles: roleNames(atMatch.roles), nickname: atMatch.nickname, fingerprint: atMatch.fingerprint, orPort: atMatch.orPort, dirPort: atMatch.dirPort,
            portMatch: atMatch.portMatch === PortMatch.OR ? 'orport' : atMatch.portMatch === PortMatch.Dir ? 'dirport' : atMatch.portKnown ? 'none' : 'unknown',
            source: atMatch.source.name, listTime: iso(atMatch.listTimeMs), listTimeFrom: atMatch.source.timeFrom, stale: atMatch.stale, early: atMatch.early, relaysAtAddress: atMatch.relaysAtAddress,
          } : null,
        } : {}),
      }, null, 2) + '\n');
      return;
    }
    let out = '';
    if (!history.length) out += `${ipText.trim()}: not listed by any of ${set.sources.length} relay source(s)\n`;
    else {
      out += `${ipText.trim()}: listed ${history.length} time(s)\n`;
      for (const h of history) {
        const when = h.toMs !== undefined ? `${iso(h.fromMs)} .. ${iso(h.toMs)}` : `list of ${iso(h.fromMs)}`;
        const who = [h.nickname ? `'${h.nickname}'` : '', h.fingerprint ? `$${h.fingerprint}` : ''].filter(Boolean).join(' ');
        const ports = [h.orPort ? `ORPort ${h.orPort}` : '', h.dirPort ? `DirPort ${h.dirPort}` : '', h.exitOnly ? 'exit address' : ''].filter(Boolean).join(', ');
        const seen = [h.firstSeenMs !== undefined ? `first seen ${iso(h.firstSeenMs)}` : '', h.lastSeenMs !== undefined ? `last seen ${iso(h.lastSeenMs)}` : ''].filter(Boolean).join(', ');
        out += `  ${when}: ${h.roles.join('/')}${who ? ' ' + who : ''}${ports ? ` (${ports})` : ''}${seen ? `; ${seen}` : ''} [${h.format}: ${h.source}]\n`;
      }
    }
    if (at !== undefined) {
      out += atMatch
        ? `at ${iso(at)}: ${roleNames(atMatch.roles).join('/')}${atMatch.nickname ? ` '${atMatch.nickname}'` : ''} per ${atMatch.source.name}${atMatch.stale ? ' (stale)' : atMatch.early ? ' (before its valid-after, within the early grace)' : ''}${port ? `; port ${port} is ${atMatch.portMatch === PortMatch.OR ? 'its ORPort' : atMatch.portMatch === PortMatch.Dir ? 'its DirPort' : atMatch.portKnown ? 'not its ORPort/DirPort' : 'not known (the list has no ports)'}` : ''}\n`
        : `at ${iso(at)}: not a listed relay${set.timeline.length ? ' (or no snapshot in force then)' : ''}\n`;
    }
    process.stdout.write(out);
  });
}
