import type { Command } from 'commander';
import { readConfigFile, type RawOptions } from '../config/config-file.js';
import { applyOption, type OptionSpec } from '../config/options.js';
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
 * Settings = defaults, then the config file, then the command line; a key given on the command line
 * replaces the config file's value for that key. Every value goes through the same validator.
 */
export async function settingsFrom(cmd: Command, specs: readonly OptionSpec[]): Promise<Settings> {
  const opts = cmd.opts<Record<string, string[] | string | undefined>>();
  const fromFile: RawOptions = typeof opts.config === 'string' ? await readConfigFile(opts.config, new Set(specs.map((s) => s.key))) : new Map();
  const s = defaultSettings();
  for (const spec of specs) {
    const cli = opts[camel(spec.key)];
    if (Array.isArray(cli)) applyOption(s, spec, cli, `--${spec.key}`);
    else if (fromFile.has(spec.key)) applyOption(s, spec, fromFile.get(spec.key)!, `${String(opts.config)}: key '${spec.key}'`);
  }
  return s;
}
