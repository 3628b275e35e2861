import type { Argv, CommandModule } from 'yargs';
import { WsfaultApiError, WsfaultClient } from '../client/index.js';
import { WsfaultError } from '../errors.js';

interface CtlArgs {
  api: string;
  token?: string;
  proxy: string;
}

const client = (argv: CtlArgs) => new WsfaultClient(argv.api, { token: argv.token ?? process.env.WSFAULT_API_TOKEN, proxy: argv.proxy });
const print = (value: unknown) => process.stdout.write((typeof value === 'string' ? value : JSON.stringify(value, null, 2)) + '\n');

/** The first error code in a fetch failure's cause chain (undici nests them). */
export function errorCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0) {
    const e = queue.shift() as { code?: string; cause?: unknown; errors?: unknown[] } | undefined;
    if (!e || seen.has(e)) continue;
    seen.add(e);
    if (typeof e.code === 'string' && e.code.startsWith('E')) return e.code;
    if (e !== error && (e as Error).message && (e as object) instanceof Error) return (e as Error).message; // e.g. fetch's "bad port"
    queue.push(e.cause, ...(e.errors ?? []));
  }
  return undefined;
}

/** Runs one ctl action; API errors become a one-line message and exit 2 (1 if unreachable). */
async function act(run: () => Promise<unknown>): Promise<void> {
  try {
    const result = await run();
    if (result !== undefined) print(result);
  } catch (error) {
    if (error instanceof WsfaultApiError) throw new WsfaultError('WSFAULT_USAGE', `${error.code}: ${error.message}`);
    const cause = errorCode(error);
    throw new Error(`cannot reach the wsfault API${cause ? ` (${cause})` : ''}: is wsfault running, and is --api right?`);
  }
}

/** `wsfault ctl …`: drive a running wsfault through its control API. */
export const ctlCommand: CommandModule<object, CtlArgs> = {
  command: 'ctl <action>',
  describe: 'drive a running wsfault: use NAME | status | connections | kill ID|--all | reset | events',
  builder: (yargs: Argv) =>
    (yargs as Argv<object>)
      .option('api', { type: 'string', default: 'http://127.0.0.1:7879', describe: 'control API URL' })
      .option('token', { type: 'string', describe: 'API token (env WSFAULT_API_TOKEN)' })
      .option('proxy', { type: 'string', default: 'default', describe: 'which proxy' })
      .command('use <scenario>', 'switch scenario', (y) => y.positional('scenario', { type: 'string', demandOption: true }).option('apply', { choices: ['all', 'new'] as const, default: 'all' as const }), (argv) =>
        act(() => client(argv as unknown as CtlArgs).use(argv.scenario, { apply: argv.apply })),
      )
      .command('status', 'the proxy: target, scenario, phase, ad-hoc faults, connections', {}, (argv) => act(() => client(argv as unknown as CtlArgs).status()))
      .command('connections', 'open connections', {}, (argv) => act(() => client(argv as unknown as CtlArgs).connections()))
      .command(
        'kill [id]',
        'kill one connection or --all',
        (y) =>
          y
            .positional('id', { type: 'string' })
            .option('all', { type: 'boolean', default: false })
            .option('code', { type: 'number', describe: 'close code (default 1001)' })
            .option('how', { choices: ['close-frame', 'fin', 'rst'] as const }),
        (argv) => {
          if (!argv.all && !argv.id) throw new WsfaultError('WSFAULT_USAGE', 'give a connection id or --all');
          return act(() => client(argv as unknown as CtlArgs).kill(argv.all ? 'all' : argv.id!, { code: argv.code, how: argv.how }));
        },
      )
      .command('reset', 'every proxy back to passthrough, ad-hoc faults removed', {}, (argv) => act(() => client(argv as unknown as CtlArgs).reset()))
      .command('events', 'print events as JSON lines until interrupted', (y) => y.option('types', { type: 'string', describe: 'comma-separated event types' }), (argv) =>
        act(async () => {
          for await (const event of client(argv as unknown as CtlArgs).events(argv.types?.split(',') as never)) print(JSON.stringify(event));
        }),
      )
      .demandCommand(1, 'give an action: use, status, connections, kill, reset or events') as unknown as Argv<CtlArgs>,
  handler: () => {},
};
