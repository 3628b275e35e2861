import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WsfaultEvent } from '../../src/events/types.js';
import type { Limits } from '../../src/proxy/limits.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';

/** One test CA per test process (a fresh directory): tests never touch the user's own CA. */
let caDir: string | null = null;
export function testCaDir(): string {
  caDir ??= mkdtempSync(join(tmpdir(), 'wsfault-ca-'));
  return caDir;
}

export function testCaPem(): string {
  return readFileSync(join(testCaDir(), 'ca.pem'), 'utf8');
}

const started: RunningWsfault[] = [];

/** wsfault with --tls in-process (port 0, no API unless asked) in front of `target`. */
export async function startTlsWsfault(target: string, scenario: string | object = 'passthrough', options: { limits?: Partial<Limits>; api?: boolean; seed?: number } = {}) {
  const wsfault = await createWsfault({ target, scenario, seed: options.seed ?? 1, api: options.api ? '127.0.0.1:0' : false, tls: { caDir: testCaDir() }, ...(options.limits ? { limits: options.limits } : {}) });
  started.push(wsfault);
  const events: WsfaultEvent[] = [];
  wsfault.app.bus.subscribe((e) => events.push(e));
  const running = wsfault.app.proxies.get('default')!;
  const port = running.proxy.address.port;
  return { wsfault, app: wsfault.app, events, port, url: `ws://127.0.0.1:${port}`, wss: `wss://localhost:${port}`, ca: testCaPem(), engine: running.engine };
}

export async function stopTlsApps(): Promise<void> {
  await Promise.all(started.splice(0).map((wsfault) => wsfault.stop(200)));
}
