import { Option, type Command } from 'commander';
import { HuntSummary } from '../report/hunt.js';
import { readAlerts, type ReadStats } from '../report/read-alerts.js';
import { formatReport } from '../report/table.js';
import { UserError } from '../util/errors.js';

/**
 * `torwatch report <alerts.ndjson...>`: the seeds' hunt summaries over alerts any output wrote
 * (file, stdout, or a syslog receiver's file). A bad file is one line on stderr naming the file and
 * line; the other files are still read, the report covers what was read, and the exit code is 2.
 */
export async function runReport(files: string[], o: { json?: boolean; lenient?: boolean }): Promise<number> {
  const hunt = new HuntSummary();
  const stats: ReadStats = { files: 0, lines: 0, alerts: 0, duplicates: 0, skipped: 0 };
  const seen = new Set<string>();
  const errors: string[] = [];
  for (const f of files) {
    try {
      await readAlerts(f, seen, stats, (a) => hunt.add(a), o.lenient === true);
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
    .description('hunt summary of alert files (NDJSON or a syslog receiver\'s files): per host, remote address and direction; per TLS fingerprint and SNI; BitTorrent per host')
    .argument('<file...>', 'alert files (plain or gzip); - reads stdin')
    .addOption(new Option('--json', 'print the report as JSON (for scripts)'))
    .addOption(new Option('--lenient', 'skip lines that are not torwatch alerts instead of stopping at them'))
    .addHelpText('after', `
Examples:
  torwatch report /var/log/torwatch/alerts.ndjson*
  torwatch report --json alerts.ndjson | jq '.hosts[0]'
  torwatch report --lenient /var/log/remote/sensor-01.log`)
    .action(async (files: string[], o: { json?: boolean; lenient?: boolean }) => {
      setExitCode(await runReport(files, o));
    });
}
