import type { Argv, CommandModule } from 'yargs';
import { WsfaultError } from '../errors.js';
import { errorCode } from './ctl.js';
import { parseDuration } from '../scenario/units.js';
import type { Health } from '../wire.js';

interface HealthArgs {
  url: string;
  token?: string;
  timeout: string;
}

/** Where `wsfault health` asks by default: the control API's readiness on the CLI's default port. */
export const DEFAULT_HEALTH_URL = 'http://127.0.0.1:7879/health';

/**
 * `wsfault health`: asks a running wsfault's GET /health (the control API's, or the --health
 * listener's) and exits 0 when every proxy listens, 1 otherwise. It never connects to a proxy
 * port, so it can run as often as a container's HEALTHCHECK likes without being a client.
 */
export const healthCommand: CommandModule<object, HealthArgs> = {
  command: 'health',
  describe: 'exit 0 when a running wsfault is ready (every proxy listens), 1 if not; asks GET /health, never a proxy port',
  builder: (yargs: Argv) =>
    (yargs as Argv<object>)
      .option('url', { type: 'string', default: process.env.WSFAULT_HEALTH_URL ?? DEFAULT_HEALTH_URL, describe: 'the /health URL of the API or of --health (env WSFAULT_HEALTH_URL)' })
      .option('token', { type: 'string', describe: 'API token, if the API has one (env WSFAULT_API_TOKEN)' })
      .option('timeout', { type: 'string', default: '2s', describe: 'give up after this long' }) as unknown as Argv<HealthArgs>,
  handler: async (argv) => {
    const timeoutMs = parseDuration(argv.timeout);
    const token = argv.token ?? process.env.WSFAULT_API_TOKEN;
    let response: Response;
    try {
      response = await fetch(argv.url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new Error(`not ready: cannot reach ${argv.url} (${(error as Error).name === 'TimeoutError' ? `no answer within ${argv.timeout}` : errorCode(error) ?? (error as Error).message})`);
    }
    const text = await response.text();
    process.stdout.write(text.trim() + '\n');
    if (response.status === 200) return;
    let reason = `HTTP ${response.status}`;
    try {
      const body = JSON.parse(text) as Partial<Health>;
      if (body.proxies) reason = body.proxies.filter((p) => p.state !== 'listening').map((p) => `${p.name} ${p.state}${p.error ? ` (${p.error})` : ''}`).join(', ');
    } catch {
      // not a health body: the status says it
    }
    throw new WsfaultError('WSFAULT_LISTEN_FAILED', `not ready: ${reason}`);
  },
};
