import { Command, CommanderError, Option } from 'commander';
import { COMMON_OPTIONS } from '../config/options.js';
import { createLogger } from '../log/logger.js';
import { formatSummary, type RunSummary } from '../pipeline/summary.js';
import { UserError } from '../util/errors.js';
import { registerLiveCommands } from './live-commands.js';
import { runReplay } from './replay.js';
import { registerReportCommand } from './report.js';
import { registerRelaysCommand } from './relays.js';
import { printRules } from './rules.js';
import { addOptions, settingsFrom } from './settings-from-cli.js';
import { torwatchVersion } from './version.js';

/**
 * The torwatch command line (SPEC.md "Command line"). Exit codes: 0 success; 2 bad usage or bad
 * input (a one-line message, never a stack trace); 1 internal error.
 */
export async function main(argv: string[]): Promise<void> {
  closedStdoutIsNormal();
  const version = torwatchVersion();
  let exitCode = 0;
  const program = new Command('torwatch')
    .description('Find Tor and torrent traffic in packet captures and report it as ECS alerts.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .exitOverride();

  const replay = program
    .command('replay')
    .description('read .pcap/.pcapng files (plain or gzip; - for stdin) and write alerts (stdout by default)')
    .argument('<file...>', 'capture files, in order; - reads stdin')
    .addHelpText('after', `
Examples:
  torwatch replay evidence.pcapng
  torwatch replay --relays consensus --output alerts.ndjson day1.pcap.gz day2.pcap.gz
  tcpdump -w - -i eth0 | torwatch replay -`);
  addOptions(replay, COMMON_OPTIONS).action(async (files: string[], _o: unknown, cmd: Command) => {
    const settings = await settingsFrom(cmd, COMMON_OPTIONS);
    // On a terminal the run summary is a block of text (pipes and journald keep the JSON line).
    const log = createLogger(settings.logLevel, { blocks: { summary: (s) => formatSummary(s as RunSummary) } });
    exitCode = await runReplay(files, settings, log, version);
  });

  registerReportCommand(program, (code) => (exitCode = code));
  registerRelaysCommand(program);

  program
    .command('rules')
    .description('list the rules: id, severity, risk score, MITRE ATT&CK mapping, seed')
    .addOption(new Option('--json', 'print as JSON'))
    .action((o: { json?: boolean }) => printRules(o.json === true));

  registerLiveCommands(program, version, (code) => { exitCode = code; });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exitCode 0; usage errors were already printed.
      exitCode = err.exitCode === 0 ? 0 : 2;
    } else if (err instanceof UserError) {
      process.stderr.write(`torwatch: ${err.message}\n`);
      exitCode = 2;
    } else {
      process.stderr.write(`torwatch: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      exitCode = 1;
    }
  }
  process.exitCode = exitCode;
}

/**
 * A reader that stops reading (`torwatch rules | head`, `capture --help | head -2`) closes stdout
 * under us: that is a normal end, not an error. Without a listener Node turns the EPIPE into an
 * uncaught exception with a stack trace and exit 1. With this one, later writes are dropped and the
 * command ends with its own status (replay's stdout output counts what it could not write and goes on
 * with its other outputs). Any other stdout error is one line and exit 1.
 */
function closedStdoutIsNormal(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    process.stderr.write(`torwatch: stdout: ${err.code ?? err.message}\n`);
    process.exitCode = 1;
  });
}
