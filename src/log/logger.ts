import { pino, type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * JSON logs on stderr (stdout carries only alerts). Synchronous writes: a sensor's logs are few, and
 * a crash or exit must not lose the last lines (the run summary, an error).
 */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({ name: 'torwatch', level, base: { name: 'torwatch' } }, pino.destination({ fd: 2, sync: true }));
}
