/**
 * `wsfault [run] --flags` is parsed without yargs (src/cli/quick-run.ts) so start-up does not
 * load it. The argv handed to the run command must be what yargs would hand it, and every line
 * the quick parser does not handle exactly must be left to yargs (null).
 */
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { quickParse } from '../../src/cli/quick-run.js';
import { runCommand } from '../../src/cli/run.js';
import type { CommandModule } from 'yargs';

const run = runCommand as unknown as CommandModule<object, never>;

async function viaYargs(args: string[]): Promise<Record<string, unknown>> {
  let captured: Record<string, unknown> = {};
  await yargs(args)
    .command({ ...run, handler: (argv) => void (captured = argv as Record<string, unknown>) })
    .strict()
    .fail((message) => {
      throw new Error(message);
    })
    .parseAsync();
  return captured;
}

const without = (argv: Record<string, unknown>) => {
  const { _, $0, ...rest } = argv;
  return rest;
};

describe('quick parse of the run command line', () => {
  const same = [
    [],
    ['run'],
    ['--target', 'ws://127.0.0.1:3000', '--listen', ':0', '--api', 'off', '--log-level', 'warn'],
    ['run', '-t', 'ws://a:1', '-l', '127.0.0.1:9000', '-s', 'flaky-network', '--seed', '42', '--watch'],
    ['--listen=127.0.0.1:1', '--listen', '127.0.0.1:2', '--host-header', 'target', '--log-format', 'json'],
    ['--max-message-buffer', '4MiB', '--head-timeout', '5s', '--events-file', '/tmp/x.ndjson', '--scenarios', 'dir', '--config', 'c.yaml'],
    ['--api-token', 'secret', '--api-cors', 'http://localhost:5173', '--toxiproxy-api', '127.0.0.1:8474', '--health', ':9999'],
  ];
  it.each(same)('%j gives the argv yargs gives', async (...args) => {
    const quick = quickParse(run, args as string[]);
    expect(quick).not.toBeNull();
    expect(without(quick as unknown as Record<string, unknown>)).toEqual(without(await viaYargs(args as string[])));
  });

  const leftToYargs = [
    ['--help'],
    ['--version'],
    ['--bogus', '1'],
    ['--no-watch'],
    ['extra-positional'],
    ['--log-level', 'loud'],
    ['--seed', 'x'],
    ['--seed', '-1'],
    ['--listen', 'nonsense'],
    ['--api', 'nope:port'],
    ['--target'],
    ['--', '--target', 'x'],
  ];
  it.each(leftToYargs)('%j is left to yargs', (...args) => {
    expect(quickParse(run, args as string[])).toBeNull();
  });
});
