/**
 * What a plain `wsfault --target ws://… --api off` loads of Node itself before its proxy
 * listens. http, https and tls (plain-HTTP forwarding, --health, wss:// and https:// targets)
 * and v8/perf_hooks (the young-generation cap, set once the proxy listens) are loaded when
 * first used: each is start-up time a WebSocket pass-through does not need (docs/PERFORMANCE.md,
 * "Start-up"). The list is Node's own record (process.moduleLoadList), exact whatever the load.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, type Spawned } from '../helpers/cli.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

const HOOK = fileURLToPath(new URL('../fixtures/loads/builtins-at-listen.cjs', import.meta.url));

let cli: Spawned | null = null;
afterEach(async () => {
  cli?.child.kill('SIGKILL');
  cli = null;
  await closeAll();
});

function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('start-up of a WebSocket pass-through', () => {
  it('loads no http, https, tls, v8 or perf_hooks before it listens, and still serves WebSockets and plain HTTP', async () => {
    const echo = await startWsEcho();
    const file = join(mkdtempSync(join(tmpdir(), 'wsfault-builtins-')), 'builtins.txt');
    cli = spawnCli(['--target', echo.url, '--listen', '127.0.0.1:0', '--api', 'off'], {
      env: { NODE_OPTIONS: `--require ${HOOK}`, WSFAULT_BUILTINS_FILE: file },
    });
    const [, url] = await cli.waitFor(/proxy\s+(ws:\/\/\S+)/);
    const loaded = readFileSync(file, 'utf8').split('\n');
    // The hook itself works: the list is Node's, with net and the ESM loader in it.
    expect(loaded).toContain('NativeModule net');
    for (const name of ['http', 'https', 'tls', '_http_server', 'v8', 'perf_hooks']) expect(loaded).not.toContain(`NativeModule ${name}`);

    const ws = await openClient(url!);
    expect((await roundTrip(ws, 'after a lean start')).data.toString()).toBe('after a lean start');
    ws.close();
    // A plain request makes Node's HTTP server then and reaches the upstream: `ws` answers 426.
    expect(await getStatus(url!.replace(/^ws:/, 'http:'))).toBe(426);
  }, 30_000);
});
