import type { Argv, CommandModule } from 'yargs';
import { WsfaultError } from '../errors.js';
import { parseDuration } from '../scenario/units.js';

interface DemoArgs {
  scenarios?: string;
  duration: string;
  listen: string;
  api: string;
  seed?: number;
}

/**
 * `wsfault demo` (SPEC §13): one command that shows a newcomer what the tool is for. The demo
 * modules load only when this command runs, so they cost the proxy's start-up nothing.
 */
export const demoCommand: CommandModule<object, DemoArgs> = {
  command: 'demo',
  describe: 'echo server + proxy + dashboard + three sample reconnecting clients, cycling through scenarios',
  builder: (yargs: Argv) =>
    (yargs as Argv<object>)
      .option('scenarios', { type: 'string', describe: 'comma-separated scenario names to cycle through (default: a tour of six)' })
      .option('duration', { type: 'string', default: '60s', describe: 'how long the whole tour takes' })
      .option('listen', { type: 'string', default: '127.0.0.1:7878', describe: 'where the proxy listens' })
      .option('api', { type: 'string', default: '127.0.0.1:7879', describe: 'control API and dashboard address' })
      .option('seed', { type: 'number', describe: 'makes the clients\' jitter and every fault repeatable' }) as unknown as Argv<DemoArgs>,
  handler: async (argv) => {
    let durationMs: number;
    try {
      durationMs = parseDuration(argv.duration);
    } catch {
      throw new WsfaultError('WSFAULT_USAGE', `--duration "${argv.duration}" is not a duration (60s, 1m)`);
    }
    const [{ runDemo }, { parseTour }] = await Promise.all([import('../demo/run.js'), import('../demo/tour.js')]);
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await runDemo({
      tour: parseTour(argv.scenarios),
      durationMs,
      listen: argv.listen,
      api: argv.api,
      seed: argv.seed,
      signal: abort.signal,
      write: (line) => process.stdout.write(line + '\n'),
    });
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  },
};
