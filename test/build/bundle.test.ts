import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, spawnCli, type Spawned } from '../helpers/cli.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

const REGISTER = fileURLToPath(new URL('../fixtures/loads/register.mjs', import.meta.url));
const DIST = pathToFileURL(join(ROOT, 'dist')).href;

let cli: Spawned | null = null;
afterEach(async () => {
  cli?.child.kill('SIGKILL');
  cli = null;
  await closeAll();
});

describe('the bundled command line (scripts/bundle-cli.mjs)', () => {
  it('runs a proxy from its entry and shared chunks only, finding validators and built-in scenarios from the package root', async () => {
    const echo = await startWsEcho();
    const loads = join(mkdtempSync(join(tmpdir(), 'wsfault-bundle-')), 'loads.txt');
    writeFileSync(loads, '');
    cli = spawnCli(['--target', echo.url, '--listen', '127.0.0.1:0', '--api', 'off', '--scenario', 'message-delay'], {
      env: { NODE_OPTIONS: `--import ${REGISTER}`, WSFAULT_LOADS_FILE: loads },
    });
    const [, url] = await cli.waitFor(/proxy\s+(ws:\/\/\S+)/);
    const ws = await openClient(url!);
    expect((await roundTrip(ws, 'through the bundle')).data.toString()).toBe('through the bundle');
    ws.close();
    const ours = readFileSync(loads, 'utf8').split('\n').filter((u) => u.startsWith(DIST));
    // Every module of ours came from the bundle: the entry and dist/chunks/, no tsc output.
    expect(ours).toContain(`${DIST}/cli/main.js`);
    expect(ours.filter((u) => u !== `${DIST}/cli/main.js` && !u.startsWith(`${DIST}/chunks/`))).toEqual([]);
    // A handful of files where tsc's output was ~100 modules.
    expect(ours.length).toBeLessThan(40);
    // The scenario came from the build's parsed copy and was validated by a precompiled
    // validator: neither the YAML parser nor ajv's compiler was loaded.
    const all = readFileSync(loads, 'utf8');
    expect(all).not.toMatch(/node_modules\/yaml\//);
    expect(all).not.toMatch(/node_modules\/ajv\/dist\/(core|compile)/);
  }, 30_000);
});
