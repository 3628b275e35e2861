import type { WsfaultEvent } from '../../src/events/types.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import type { Limits } from '../../src/proxy/limits.js';

const started: RunningWsfault[] = [];

/**
 * Set by vitest.wss.config.ts (the built-in scenario suites run again over wss://): a test CA
 * directory that NODE_EXTRA_CA_CERTS already trusts. Then wsfault runs with --tls and `url` is wss://.
 */
const overTls = process.env.WSFAULT_TEST_TLS;

/** Starts wsfault in-process (port 0, no API) in front of `target` with `scenario` (a name, a file, or an inline object). */
export async function startWsfault(target: string, scenario: string | object = 'passthrough', seed = 1, limits?: Partial<Limits>) {
  const wsfault = await createWsfault({ target, scenario, seed, api: false, ...(overTls ? { tls: { caDir: overTls } } : {}), ...(limits ? { limits } : {}) });
  started.push(wsfault);
  const { app } = wsfault;
  const events: WsfaultEvent[] = [];
  app.bus.subscribe((e) => events.push(e));
  const running = app.proxies.get('default')!;
  const url = overTls ? `wss://localhost:${running.proxy.address.port}` : running.proxy.url;
  return { app, events, url, port: running.proxy.address.port, proxy: running.proxy, engine: running.engine };
}

/** Short grace: suites leave peers that never answer a Close (blackholes, hangs) behind on purpose. */
export async function stopApps(): Promise<void> {
  await Promise.all(started.splice(0).map((wsfault) => wsfault.stop(200)));
}
