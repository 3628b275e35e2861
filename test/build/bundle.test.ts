import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, spawnCli, type Spawned } from '../helpers/cli.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

const REGISTER = fileURLToPath(new URL('../fixtures/loads/register.mjs', import.meta.url));
const AT_LISTEN = fileURLToPath(new URL('../fixtures/loads/builtins-at-listen.cjs', import.meta.url));
const DIST_DIR = join(ROOT, 'dist');
const DIST = pathToFileURL(DIST_DIR).href;

let cli: Spawned | null = null;
afterEach(async () => {
  cli?.child.kill('SIGKILL');
  cli = null;
  await closeAll();
});

describe('the bundled command line (scripts/bundle-cli.mjs)', () => {
  it('runs a proxy from its launcher and one CommonJS start file, finding validators and built-in scenarios from the package root', async () => {
    const echo = await startWsEcho();
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-bundle-'));
    const loads = join(dir, 'loads.txt');
    const required = join(dir, 'required.txt');
    writeFileSync(loads, '');
    cli = spawnCli(['--target', echo.url, '--listen', '127.0.0.1:0', '--api', 'off', '--scenario', 'message-delay'], {
      env: { NODE_OPTIONS: `--import ${REGISTER} --require ${AT_LISTEN}`, WSFAULT_LOADS_FILE: loads, WSFAULT_REQUIRED_FILE: required },
    });
    const [, url] = await cli.waitFor(/proxy\s+(ws:\/\/\S+)/);
    const ws = await openClient(url!);
    expect((await roundTrip(ws, 'through the bundle')).data.toString()).toBe('through the bundle');
    ws.close();
    // The ES-module hooks saw no file of ours but the entry (resolved through them, then run
    // as CommonJS: the launcher, src/cli/launch.ts) ...
    const ours = readFileSync(loads, 'utf8').split('\n').filter((u) => u.startsWith(DIST));
    expect(ours.filter((u) => u !== `${DIST}/cli/main.js`)).toEqual([]);
    // ... and everything else of ours came from the CommonJS bundle of the command line,
    // no tsc output: a handful of files where tsc's output was ~100 modules.
    const cjs = readFileSync(required, 'utf8').split('\n').filter((f) => f.startsWith(DIST_DIR));
    expect(cjs).toContain(join(DIST_DIR, 'cli/main.js'));
    expect(cjs.some((f) => /\/cli\/cjs\/start-[^/]+\.cjs$/.test(f))).toBe(true);
    expect(cjs.filter((f) => f !== join(DIST_DIR, 'cli/main.js') && !f.startsWith(join(DIST_DIR, 'cli/cjs/')))).toEqual([]);
    expect(cjs.length).toBeLessThan(40);
    // The scenario came from the build's parsed copy and was validated by a precompiled
    // validator: neither the YAML parser nor ajv's compiler was loaded.
    const all = readFileSync(loads, 'utf8') + readFileSync(required, 'utf8');
    expect(all).not.toMatch(/node_modules\/yaml\//);
    expect(all).not.toMatch(/node_modules\/ajv\/dist\/(core|compile)/);
  }, 30_000);
});
