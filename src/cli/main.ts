#!/usr/bin/env node
import { WsfaultError } from '../errors.js';
import { VERSION } from '../version.js';
import type { CommandModule } from 'yargs';
import { quickParse } from './quick-run.js';
// Static, unlike the other commands: starting the proxy is what the command line is for, and
// one module graph loaded at once saves Node a round of module loading after main's own
// (~4.6 M instructions of start-up, docs/PERFORMANCE.md "Start-up"); other commands pay
// only this chunk's compile, which their own modules dwarf.
import { runCommand } from './run.js';

/** Prints one line and exits: 2 for usage and validation, 1 for runtime failures (SPEC §1). */
function fail(error: unknown): never {
  if (error instanceof WsfaultError) {
    process.stderr.write(`wsfault: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`wsfault: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
}

/**
 * The commands, each loaded only when it may run (but `run`, above): starting the proxy (`run`,
 * the default) is the common case and should not pay for the modules of `ctl`, `validate` and
 * the rest. Help shows them all.
 */
const COMMANDS: Record<string, () => Promise<CommandModule<object, never>>> = {
  run: async () => runCommand as unknown as CommandModule<object, never>,
  validate: async () => (await import('./validate.js')).validateCommand as CommandModule<object, never>,
  faults: async () => (await import('./faults.js')).faultsCommand as CommandModule<object, never>,
  scenarios: async () => (await import('./scenarios.js')).scenariosCommand as CommandModule<object, never>,
  ctl: async () => (await import('./ctl.js')).ctlCommand as CommandModule<object, never>,
  health: async () => (await import('./health.js')).healthCommand as CommandModule<object, never>,
  demo: async () => (await import('./demo.js')).demoCommand as CommandModule<object, never>,
  report: async () => (await import('./report.js')).reportCommand as CommandModule<object, never>,
  ca: async () => (await import('./ca.js')).caCommand as CommandModule<object, never>,
};

function commandsFor(args: string[]): string[] {
  if (args.some((a) => a === '--help' || a === '-h' || a === 'help')) return Object.keys(COMMANDS);
  const first = args[0];
  return first !== undefined && first !== 'run' && first in COMMANDS ? [first] : ['run'];
}

async function main(args: string[]): Promise<void> {
  const names = commandsFor(args);
  if (names.length === 1 && names[0] === 'run') {
    const run = await COMMANDS.run!();
    const argv = quickParse(run, args);
    // A plain start loads no yargs. Anything else, and every usage error, goes through yargs.
    if (argv) return void (await run.handler(argv));
  }
  const { default: yargs } = await import('yargs');
  const cli = yargs(args).scriptName('wsfault').version(VERSION);
  for (const command of await Promise.all(names.map((name) => COMMANDS[name]!()))) cli.command(command);
  await cli
    .strict()
    .fail((message, error) => {
      if (error) fail(error);
      process.stderr.write(`wsfault: ${message}\n(see wsfault --help)\n`);
      process.exit(2);
    })
    .help()
    .parseAsync();
}

// No top-level await: the build bundles the command line as CommonJS (src/cli/launch.ts).
main(process.argv.slice(2)).catch(fail);
