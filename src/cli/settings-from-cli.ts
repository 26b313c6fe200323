import type { Command } from 'commander';
import { RawOptions, readConfigFile } from '../config/config-file.js';
import { CAPTURE_OPTIONS } from '../config/capture-options.js';
import { applyOption, COMMON_OPTIONS, type OptionSpec } from '../config/options.js';
import { defaultSettings, type Settings } from '../config/settings.js';

/** Register the common options on a command; values are collected raw and validated later. */
export function addOptions(cmd: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) {
    cmd.option(spec.flags, spec.help, (value: string, prev: string[] | undefined) => (spec.list ? [...(prev ?? []), value] : [value]));
  }
  cmd.option('-c, --config <file>', 'read options from a YAML or JSON file (command-line options override it)');
  return cmd;
}

function camel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Every key a config file may hold. One file can serve `capture` and `replay`: a command ignores the
 * keys of options it does not have (replay ignores `interface`), but a key no command knows is an error.
 */
const ALL_KEYS: ReadonlySet<string> = new Set([...COMMON_OPTIONS, ...CAPTURE_OPTIONS].map((s) => s.key));

/**
 * Settings = defaults, then the config file, then the command line; a key given on the command line
 * replaces the config file's value for that key. Every value goes through the same validator. Called
 * again on SIGHUP by the daemon: the file is re-read, the command line still wins.
 */
export async function settingsFrom(cmd: Command, specs: readonly OptionSpec[]): Promise<Settings> {
  const opts = cmd.opts<Record<string, string[] | string | boolean | undefined>>();
  const fromFile: RawOptions = typeof opts.config === 'string' ? await readConfigFile(opts.config, new Set([...ALL_KEYS, ...specs.map((s) => s.key)])) : new RawOptions();
  const s = defaultSettings();
  for (const spec of specs) {
    const cli = opts[camel(spec.key)];
    const line = fromFile.lines.get(spec.key);
    // An option with an optional value given alone (`--immediate`) arrives as `true`: it means on.
    if (cli === true) applyOption(s, spec, ['on'], `--${spec.key}`);
    else if (Array.isArray(cli)) applyOption(s, spec, cli, `--${spec.key}`);
    else if (fromFile.has(spec.key)) applyOption(s, spec, fromFile.get(spec.key)!, `${String(opts.config)}: ${line !== undefined ? `line ${line}: ` : ''}key '${spec.key}'`);
  }
  return s;
}
