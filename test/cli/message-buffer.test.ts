import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../src/scenario/config.js';
import { cliRunner } from '../helpers/cli.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

const cli = cliRunner();
const dir = mkdtempSync(join(os.tmpdir(), 'wsfault-buffer-'));
afterEach(async () => {
  cli.killAll();
  await closeAll();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BANNER = /proxy\s+(ws:\/\/127\.0\.0\.1:\d+)\s+->/;
const scenario = join(dir, 'corrupt-down.yaml');
writeFileSync(scenario, 'name: corrupt-down\nfaults:\n  - type: corrupt-messages\n    mode: invalid-utf8\n    direction: downstream\n');

/** A 128 KiB text message comes back intact when it is over the buffer, corrupted when under it. */
async function overBuffer(url: string, eventsFile: string): Promise<{ intact: boolean; limit: number | null }> {
  const ws = await openClient(url);
  const text = 'x'.repeat(128 * 1024);
  const back = await roundTrip(ws, text).then(
    (m) => m.data.toString() === text,
    () => false,
  );
  ws.terminate();
  if (!back) return { intact: false, limit: null };
  await until(() => readFileSync(eventsFile, 'utf8').includes('"fault.skipped"'), 'a fault.skipped event in the events file');
  const skipped = readFileSync(eventsFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .find((e) => e.type === 'fault.skipped');
  expect(skipped).toMatchObject({ reason: 'message-too-large', fault: { type: 'corrupt-messages' }, detail: { direction: 'downstream', bytes: 128 * 1024 } });
  return { intact: true, limit: skipped.detail.limit };
}

describe('--max-message-buffer and the config key maxMessageBuffer', () => {
  it('the flag bounds what a message fault holds; a larger message passes with fault.skipped', async () => {
    const echo = await startWsEcho();
    const events = join(dir, 'flag.ndjson');
    const p = cli.run(['--target', echo.url, '--listen', '127.0.0.1:0', '--api', 'off', '--scenario', scenario, '--events-file', events, '--max-message-buffer', '64KiB']);
    const [, url] = await p.waitFor(BANNER);
    expect(await overBuffer(url!, events)).toEqual({ intact: true, limit: 64 * 1024 });
  });

  it('the config key does the same, and the flag overrides it', async () => {
    const echo = await startWsEcho();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `proxies:\n  - name: default\n    listen: 127.0.0.1:0\n    target: ${echo.url}\n    scenario: ${scenario}\nmaxMessageBuffer: 64KiB\n`);
    const fromConfig = cli.run(['--config', config, '--api', 'off', '--events-file', join(dir, 'config.ndjson')]);
    const [, url] = await fromConfig.waitFor(BANNER);
    expect(await overBuffer(url!, join(dir, 'config.ndjson'))).toEqual({ intact: true, limit: 64 * 1024 });
    // 1 MiB from the flag: the 128 KiB message fits and is corrupted as before.
    const overridden = cli.run(['--config', config, '--api', 'off', '--events-file', join(dir, 'override.ndjson'), '--max-message-buffer', '1MiB']);
    const [, url2] = await overridden.waitFor(BANNER);
    expect(await overBuffer(url2!, join(dir, 'override.ndjson'))).toEqual({ intact: false, limit: null });
  });

  it('a size that is not positive is a usage error (exit 2) or a config problem', async () => {
    const bad = cli.run(['--listen', '127.0.0.1:0', '--api', 'off', '--max-message-buffer', '0']);
    expect((await bad.exited).code).toBe(2);
    expect(bad.stderr()).toMatch(/--max-message-buffer "0" is not a positive size/);
    const proxies = 'proxies:\n  - name: a\n    listen: 127.0.0.1:0\n    target: ws://127.0.0.1:1\n';
    expect(loadConfigText(`${proxies}maxMessageBuffer: 2MiB\n`, 'c.yaml').maxMessageBuffer).toBe(2 * 1024 * 1024);
    expect(() => loadConfigText(`${proxies}maxMessageBuffer: 0B\n`, 'c.yaml')).toThrow(/c\.yaml:5:\d+ {2}maxMessageBuffer: must be > 0/);
    expect(() => loadConfigText(`${proxies}maxMessageBuffer: lots\n`, 'c.yaml')).toThrow(/maxMessageBuffer/);
  });
});
