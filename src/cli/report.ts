import { Option, type Command } from 'commander';
import { AlertCollector, type ReadStats } from '../report/collector.js';
import { HuntSummary } from '../report/hunt.js';
import { readSource } from '../report/read-source.js';
import { formatReport } from '../report/table.js';
import { UserError } from '../util/errors.js';

/**
 * `torwatch report <source...>`: the seeds' hunt summaries over alerts any output wrote (file,
 * stdout, a syslog receiver's file) or any fleet store holds (a Redis list or stream, a JetStream
 * stream), all sources together, deduplicated by event.id. A bad source is one line on stderr naming
 * it (and the line); the other sources are still read, the report covers what was read, exit code 2.
 */
export async function runReport(sources: string[], o: { json?: boolean; lenient?: boolean }): Promise<number> {
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
  if (o.json) process.stdout.write(JSON.stringify({ inputs: { ...stats, errors }, ...report }, null, 2) + '\n');
  else process.stdout.write(formatReport(report, stats));
  return errors.length ? 2 : 0;
}

export function registerReportCommand(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('report')
    .description('hunt summary over alert files, or a fleet\'s Redis list/stream or JetStream stream: per host, remote address and direction; per TLS fingerprint and SNI; BitTorrent per host (deduplicated by event.id)')
    .argument('<source...>', 'alert files (plain or gzip; - reads stdin), redis://host:port/db?key=K, nats://host:port?subject=S or ?stream=NAME')
    .addOption(new Option('--json', 'print the report as JSON (for scripts)'))
    .addOption(new Option('--lenient', 'skip lines that are not torwatch alerts instead of stopping at them'))
    .addHelpText('after', `
Examples:
  torwatch report /var/log/torwatch/alerts.ndjson*
  torwatch report --json alerts.ndjson | jq '.hosts[0]'
  torwatch report --lenient /var/log/remote/sensor-01.log
  torwatch report 'redis://siem.example:6379/0?key=torwatch:alerts'
  torwatch report 'nats://siem.example:4222?subject=torwatch.alerts.{sensor}'`)
    .action(async (sources: string[], o: { json?: boolean; lenient?: boolean }) => {
      setExitCode(await runReport(sources, o));
    });
}
