/**
 * The command line's V8 code cache (src/cli/launch.ts, made by scripts/bundle-cli.mjs): V8
 * accepts the one the build made, and a cache it rejects (other bytes, other V8 flags) or none at
 * all leaves a start that works as before. Whether a cache is used is the launcher's own answer
 * (WSFAULT_CODE_CACHE=check compiles the start file exactly as a run does, then exits).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, spawnCli, type Spawned } from '../helpers/cli.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

// As the bin is started: no NODE_OPTIONS from the test runner (V8 flags there would reject it).
const { NODE_OPTIONS: _, ...plainEnv } = process.env;

function check(main: string, nodeArgs: string[] = []): string {
  const out = spawnSync(process.execPath, [...nodeArgs, main], { env: { ...plainEnv, WSFAULT_CODE_CACHE: 'check' }, encoding: 'utf8' });
  expect(out.status).toBe(0);
  return out.stdout.trim();
}

/** A copy of the built package (dist/ copied, the rest linked), so its cache can be spoiled. */
function packageCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsfault-code-cache-'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  for (const name of ['node_modules', 'scenarios', 'schema', 'dashboard']) symlinkSync(join(ROOT, name), join(dir, name));
  return dir;
}

let cli: Spawned | null = null;
afterEach(async () => {
  cli?.child.kill('SIGKILL');
  cli = null;
  await closeAll();
});

async function proxiesOnce(main: string): Promise<void> {
  const echo = await startWsEcho();
  cli = spawnCli([main, '--target', echo.url, '--listen', '127.0.0.1:0', '--api', 'off'], { command: process.execPath, env: plainEnv as Record<string, string> });
  const [, url] = await cli.waitFor(/proxy\s+(ws:\/\/\S+)/);
  const ws = await openClient(url!);
  expect((await roundTrip(ws, 'compiled either way')).data.toString()).toBe('compiled either way');
  ws.close();
  cli.child.kill('SIGKILL');
  cli = null;
}

describe('the command line code cache', () => {
  it('is built beside the start file it belongs to, and V8 accepts it in a plain start', () => {
    const files = readdirSync(join(ROOT, 'dist/cli/cjs'));
    const start = files.filter((f) => /^start-.+\.cjs$/.test(f));
    expect(start).toHaveLength(1);
    expect(files).toContain(`${start[0]}.cache`);
    expect(check(join(ROOT, 'dist/cli/main.js'))).toBe('accepted');
  });

  it('is rejected under other V8 flags or when spoiled, and ignored: the proxy still starts and forwards', async () => {
    const dir = packageCopy();
    try {
      const main = join(dir, 'dist/cli/main.js');
      expect(check(main)).toBe('accepted');
      // Made under other flags: V8 says no, the start compiles from source.
      expect(check(main, ['--max-semi-space-size=8'])).toBe('rejected');
      // Other bytes of the same length: rejected as well.
      const cjs = join(dir, 'dist/cli/cjs');
      const cache = join(cjs, readdirSync(cjs).find((f) => f.endsWith('.cjs.cache'))!);
      writeFileSync(cache, Buffer.alloc(readFileSync(cache).length, 7));
      expect(check(main)).toBe('rejected');
      await proxiesOnce(main);
      // No cache at all.
      rmSync(cache);
      expect(existsSync(cache)).toBe(false);
      expect(check(main)).toBe('none');
      await proxiesOnce(main);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
