import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { PrettyOptions } from 'pino-pretty';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /**
   * Human-readable lines instead of JSON: by default when stderr is a terminal. Pipes, files and
   * journald (a socket) keep JSON, which a SIEM or `journalctl -o json` reads.
   */
  human?: boolean;
  /**
   * For human output: log fields shown as a block of text instead of an object, e.g. the run summary
   * (`summary` -> formatSummary). A line that carries the field prints its message, then the block.
   */
  blocks?: Record<string, (value: unknown) => string>;
}

/**
 * Logs on stderr (stdout carries only alerts). Synchronous writes: a sensor's logs are few, and a
 * crash or exit must not lose the last lines (the run summary, an error).
 *
 * On a terminal the same log records go through pino-pretty, pino's own formatter for people (level
 * names, local times, colours where the terminal has them and NO_COLOR is unset), in-process and
 * synchronous; the fields named in `blocks` are printed by their formatter, so the run summary reads
 * as a short block rather than a 3 KB JSON line. pino-pretty is loaded only then.
 */
export function createLogger(level: LogLevel = 'info', o: LoggerOptions = {}): Logger {
  const human = o.human ?? process.stderr.isTTY === true;
  const opts = { name: 'torwatch', level, base: { name: 'torwatch' } };
  return pino(opts, human ? prettyStream(o.blocks ?? {}) : pino.destination({ fd: 2, sync: true }));
}

function prettyStream(blocks: Record<string, (value: unknown) => string>): DestinationStream {
  // pino-pretty is CommonJS; required on demand so JSON runs never load it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as (o: PrettyOptions) => DestinationStream;
  const keys = Object.keys(blocks);
  return pretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss',
    ignore: ['pid', 'hostname', 'name', ...keys].join(','),
    singleLine: true,
    // Our err/error fields are messages, not Error objects: print them as plain fields.
    errorLikeObjectKeys: [],
    messageFormat: (log, messageKey) => {
      let text = String(log[messageKey] ?? '');
      for (const k of keys) if (log[k] !== undefined) text += '\n' + blocks[k](log[k]).replace(/\n$/, '');
      return text;
    },
  });
}
