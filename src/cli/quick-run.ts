import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ArgumentsCamelCase, CommandModule } from 'yargs';

/**
 * Starting the proxy is the common case, and loading yargs (~45 modules) is a third of
 * start-up. This parses a plain `wsfault [run] --flag value …` line with node:util's parseArgs,
 * from the very option list the run command gives yargs: the builder is run against a recorder
 * that notes `.option()` and `.check()` calls. Anything this does not handle exactly as yargs
 * would (help, positionals, `--no-x`, an unknown flag, a bad choice or number, a failed check)
 * returns null, and main.ts lets yargs parse the line and word the error as before.
 */
interface OptionSpec {
  alias?: string | string[];
  type?: 'string' | 'boolean' | 'number';
  default?: unknown;
  choices?: readonly unknown[];
  coerce?: (value: unknown) => unknown;
}

type Check = (argv: Record<string, unknown>) => unknown;

/** What the builder declared, gathered without yargs. */
function record(command: CommandModule<object, never>): { options: Map<string, OptionSpec>; checks: Check[] } | null {
  const options = new Map<string, OptionSpec>();
  const checks: Check[] = [];
  let supported = true;
  const recorder: Record<string, unknown> = new Proxy(
    {},
    {
      get: (_t, method) => {
        if (method === 'option' || method === 'options') return (name: string, spec: OptionSpec) => (options.set(name, spec), recorder);
        if (method === 'check') return (check: Check) => (checks.push(check), recorder);
        // Anything else the builder uses (positionals, groups, middleware): leave it to yargs.
        return () => ((supported = false), recorder);
      },
    },
  );
  if (typeof command.builder !== 'function') return null;
  (command.builder as (y: unknown) => unknown)(recorder);
  return supported ? { options, checks } : null;
}

const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

/** The argv yargs would hand the run command's handler, or null when yargs should parse. */
export function quickParse(command: CommandModule<object, never>, args: string[]): ArgumentsCamelCase<never> | null {
  if (args[0] === 'run') args = args.slice(1);
  if (args.some((a) => a === '--' || a.startsWith('--no-') || a === '--help' || a === '-h' || a === '--version')) return null;
  const declared = record(command);
  if (!declared) return null;
  const config: ParseArgsConfig['options'] = {};
  for (const [name, spec] of declared.options) {
    if (spec.type !== 'string' && spec.type !== 'boolean' && spec.type !== 'number' && spec.choices === undefined) return null;
    const type = spec.type === 'boolean' ? 'boolean' : 'string';
    const short = [spec.alias ?? []].flat().find((a) => a.length === 1);
    config[name] = { type, multiple: true, ...(short ? { short } : {}) };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: false });
  } catch {
    return null;
  }
  const argv: Record<string, unknown> = { _: [], $0: 'wsfault' };
  for (const [name, spec] of declared.options) {
    const given = parsed.values[name] as unknown[] | undefined;
    let value: unknown = given === undefined ? spec.default : given.length === 1 ? given[0] : given;
    if (given !== undefined && spec.type === 'number') {
      const numbers = given.map(Number);
      if (numbers.some((n) => Number.isNaN(n))) return null;
      value = numbers.length === 1 ? numbers[0] : numbers;
    }
    if (given !== undefined && spec.coerce) value = spec.coerce(value);
    if (given !== undefined && spec.choices && !spec.choices.includes(value)) return null;
    if (value === undefined) continue;
    argv[name] = value;
    argv[camel(name)] = value;
    for (const alias of [spec.alias ?? []].flat()) argv[alias] = value;
  }
  try {
    for (const check of declared.checks) if (check(argv) !== true) return null;
  } catch {
    return null;
  }
  return argv as ArgumentsCamelCase<never>;
}
