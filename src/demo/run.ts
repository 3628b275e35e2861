import { setTimeout as sleep } from 'node:timers/promises';
import { startWsfault, type Wsfault } from '../index.js';
import { median } from '../report/classify.js';
import { streamFor } from '../scenario/prng.js';
import { SampleClient, STRATEGIES, type Observation } from './sample-client.js';
import { tourScenario } from './tour.js';

export interface DemoOptions {
  tour: string[];
  durationMs: number;
  listen: string;
  api: string;
  seed?: number;
  /** Where lines go (the CLI's stdout; a test's collector). */
  write: (line: string) => void;
  /** Ends the tour early (Ctrl-C). */
  signal?: AbortSignal;
}

/**
 * `wsfault demo`: the echo server, the proxy and its dashboard, and three sample clients with
 * different reconnect schedules; the tour switches scenario every durationMs / tour.length and
 * prints one line per scenario with what each client saw.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  // The tour's first scenario is in force before any client starts, so its line is about it alone.
  // Each sample client names itself in the query (?client=naive), so the report keys on that.
  const chaos = await startWsfault({ listen: options.listen, api: options.api, seed: options.seed, scenario: tourScenario(options.tour[0]!), clientKey: 'query:client' });
  const clients = STRATEGIES.map((strategy) => new SampleClient(chaos.url, strategy, streamFor(chaos.seed, 'demo', strategy.name)));
  try {
    header(chaos, options.write);
    const stretch = Math.max(500, Math.floor(options.durationMs / options.tour.length));
    const width = Math.max(...options.tour.map((name) => name.length));
    for (const [index, name] of options.tour.entries()) {
      if (options.signal?.aborted) break;
      if (index === 0) for (const client of clients) client.start();
      else {
        // Most faults act on new connections (a refused upgrade, a reset after N s), so each
        // scenario begins as a deploy would: open connections are closed with 1001 and every
        // client reconnects into the new scenario. apply=new, so that the connections about to
        // close do not use up a `count` (refuse-first-3's three).
        await chaos.use(tourScenario(name), { apply: 'new' });
        chaos.kill('all', { how: 'close-frame', code: 1001, reason: 'next scenario' });
      }
      // Ctrl-C ends the stretch early (an abort rejects the sleep; the loop then stops).
      await sleep(stretch, undefined, { signal: options.signal }).catch(() => {});
      // The report's class is over the run so far: a few seconds hold too few waits to classify.
      const classes = new Map(chaos.report().clients.map((client) => [client.key, client.backoff.label]));
      const seen = clients.map((client) => `${client.strategy.name}: ${describe(client.take())} → ${classes.get(client.strategy.name) ?? 'no attempts yet'}`);
      options.write(`[${index + 1}/${options.tour.length}] ${name.padEnd(width)}  ${seen.join(' · ')}`);
    }
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await chaos.close();
  }
}

function header(chaos: Wsfault, write: (line: string) => void): void {
  write(`wsfault demo  seed ${chaos.seed}`);
  write(`  proxy      ${chaos.url}  ->  built-in echo`);
  if (chaos.apiUrl) write(`  dashboard  ${chaos.apiUrl}/   (open it in a browser; Ctrl-C ends the demo)`);
  for (const strategy of STRATEGIES) write(`  client     ${strategy.name.padEnd(8)} ${strategy.describe}`);
  write('  each scenario starts by closing open connections with 1001; → is how the report classifies each client\'s retries so far');
}

/** One client's stretch in a few words: attempts, what went wrong, how fast it came back. */
export function describe(seen: Observation): string {
  const parts = [`${seen.attempts} attempt${seen.attempts === 1 ? '' : 's'}`];
  for (const [label, count] of seen.failures) parts.push(`${label} ×${count}`);
  if (seen.recoveries.length > 0) parts.push(`back in ${Math.round(median(seen.recoveries))} ms`);
  else if (seen.attempts > 0 && seen.opened === 0) parts.push('never opened');
  parts.push(`${seen.echoed} echoes`);
  return parts.join(', ');
}
