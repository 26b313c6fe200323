import type { Logger } from 'pino';
import { UserError } from '../util/errors.js';
import { FileOutput } from './file.js';
import type { AlertOutput } from './output.js';
import { StdoutOutput } from './stdout.js';

/**
 * Open one --output target: `-` (stdout) or a file path. Syslog targets (syslog+udp://, +tcp://,
 * +tls://, syslog:///dev/log) are recognised and refused with a clear message until their transport
 * lands, rather than being mistaken for file names.
 */
export async function openOutput(target: string, log?: Logger): Promise<AlertOutput> {
  if (target === '-') return new StdoutOutput(process.stdout, log);
  if (/^syslog(\+[a-z]+)?:\/\//i.test(target)) throw new UserError(`--output ${target}: syslog output is not available in this build`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) throw new UserError(`--output ${target}: unknown output scheme (use -, a file path, syslog+udp://, syslog+tcp://, syslog+tls:// or syslog:///dev/log)`);
  return FileOutput.open(target, log);
}
