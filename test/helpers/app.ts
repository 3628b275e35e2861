import { startApp, type App } from '../../src/app.js';
import type { WsfaultEvent } from '../../src/events/types.js';
import { loadScenarioObject } from '../../src/scenario/load.js';

const apps: App[] = [];

/** Starts wsfault in-process (port 0) in front of `target` with `scenario` (a name, or an inline object). */
export async function startWsfault(target: string, scenario: string | object = 'passthrough', seed = 1) {
  const app = await startApp({ proxies: [{ name: 'default', target, listen: '127.0.0.1:0' }], seed });
  apps.push(app);
  const events: WsfaultEvent[] = [];
  app.bus.subscribe((e) => events.push(e));
  const running = app.proxies.get('default')!;
  if (scenario !== 'passthrough') {
    app.use('default', typeof scenario === 'string' ? app.library.get(scenario) : loadScenarioObject(scenario, 'inline'));
  }
  return { app, events, url: running.proxy.url, port: running.proxy.address.port, proxy: running.proxy, engine: running.engine };
}

export async function stopApps(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => app.stop(200)));
}
