import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { AlertCollector, type ReadStats } from '../report/collector.js';
import { HuntSummary } from '../report/hunt.js';
import { readSource } from '../report/read-source.js';
import { renderHtml } from '../report/html/render.js';
import type { ReportDocument } from '../report/model.js';
import { formatReport } from '../report/table.js';
import { InputError, UserError } from '../util/errors.js';

interface ReportCliOptions {
  json?: boolean;
  lenient?: boolean;
  /** Write the HTML page here too. */
  html?: string;
}

/**
 * `torwatch report <source...>`: the seeds' hunt summaries over alerts any output wrote (file,
 * stdout, a syslog receiver's file) or any fleet store holds (a Redis list or stream, a JetStream
 * stream), all sources together, deduplicated by event.id. A bad source is one line on stderr naming
 * it (and the line); the other sources are still read, the report covers what was read, exit code 2.
 * `--html FILE` also writes the same report as one self-contained page.
 */
export async function runReport(sources: string[], o: ReportCliOptions): Promise<number> {
  const hunt = new HuntSummary();
  const stats: ReadStats = { files: 0, lines: 0, alerts: 0, duplicates: 0, skipped: 0 };
  const collector = new AlertCollector(new Set<string>(), stats, (a) => hunt.add(a), o.lenient === true);
  const errors: string[] = [];
  for (const s of sources) {
    try {
      await readSource(s, collector);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      errors.push(err.message);
      process.stderr.write(`torwatch: ${err.message}\n`);
    }
  }
  const report = hunt.report();
  // One document for every form: the JSON, and the HTML page drawn from it.
  const doc: ReportDocument = { inputs: { ...stats, errors }, ...report };
  if (o.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  else process.stdout.write(formatReport(report, stats));
  // After stdout: a page that cannot be written is one line and exit 2, and the report is still printed.
  if (o.html !== undefined) writeHtml(o.html, doc);
  return errors.length ? 2 : 0;
}

/** The page, written whole (a temporary file renamed into place) so a reader never sees half of it. */
function writeHtml(file: string, doc: ReportDocument): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, renderHtml(doc));
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new InputError({ file }, `cannot write the HTML report (${e.code === 'ENOENT' ? 'no such directory' : e.code === 'EACCES' ? 'permission denied' : e.code ?? e.message})`);
  }
}

export function registerReportCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('report')
    .description('hunt summary over alert files, or a fleet\'s Redis list/stream or JetStream stream: per host, remote address and direction; per TLS fingerprint and SNI; BitTorrent per host (deduplicated by event.id)')
    .argument('<source...>', 'alert files (plain or gzip; - reads stdin), redis://host:port/db?key=K, nats://host:port?subject=S or ?stream=NAME')
    .addOption(new Option('--json', 'print the report as JSON (for scripts)'))
    .addOption(new Option('--lenient', 'skip lines that are not torwatch alerts instead of stopping at them'))
    .addOption(new Option('--html <file>', 'also write the report as one self-contained HTML page (charts included; opens without network)'))
    .addHelpText('after', `
Examples:
  torwatch report /var/log/torwatch/alerts.ndjson*
  torwatch report --json alerts.ndjson | jq '.hosts[0]'
  torwatch report --lenient /var/log/remote/sensor-01.log
  torwatch report 'redis://siem.example:6379/0?key=torwatch:alerts'
  torwatch report 'nats://siem.example:4222?subject=torwatch.alerts.{sensor}'
  torwatch report --html hunt.html alerts.ndjson`)
    .action(async (sources: string[], o: ReportCliOptions) => {
      setExitCode(await runReport(sources, o));
    });
}
