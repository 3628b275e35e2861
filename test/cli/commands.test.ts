import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FAULTS } from '../../src/faults/index.js';
import { cliRunner } from '../helpers/cli.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { delay } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

const cli = cliRunner();
const run = cli.run;
afterEach(async () => {
  cli.killAll();
  await closeAll();
});

/** Resolves with the HTTP status a ws client got instead of a 101 (or 101 if it opened). */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => (ws.close(), resolve(101)));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('wsfault faults', () => {
  it('lists all 34 types with their parameters and defaults', async () => {
    const p = run(['faults']);
    expect((await p.exited).code).toBe(0);
    expect(FAULTS).toHaveLength(34);
    for (const fault of FAULTS) expect(p.stdout()).toMatch(new RegExp(`^${fault.type} {2}\\(${fault.layer}\\)`, 'm'));
    expect(p.stdout()).toMatch(/^ {4}mss +size +default 1448/m);
    expect(p.stdout()).toMatch(/^ {4}code +integer 100–599 +default 426/m);
  });

  it('shows one type in detail', async () => {
    const p = run(['faults', 'latency']);
    expect((await p.exited).code).toBe(0);
    expect(p.stdout()).toMatch(/^latency {2}\(transport\)/);
    expect(p.stdout()).toMatch(/delay +duration +required/);
    expect(p.stdout()).toMatch(/jitter +duration +default 0/);
    expect(p.stdout()).toMatch(/direction +upstream\|downstream\|both +default "both"/);
    expect(p.stdout()).not.toMatch(/^bandwidth/m);
  });

  it('exits 2 for an unknown type, with a suggestion', async () => {
    const p = run(['faults', 'latncy']);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr()).toMatch(/unknown fault type "latncy" \(did you mean "latency"\?\)/);
  });
});

describe('wsfault scenarios', () => {
  it('lists the built-in library with descriptions, and extra directories', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-'));
    writeFileSync(join(dir, 'mine.yaml'), 'name: my-outage\ndescription: My own outage.\nfaults:\n  - type: status\n    code: 503\n');
    const p = run(['scenarios', '--scenarios', dir]);
    expect((await p.exited).code).toBe(0);
    expect(p.stdout()).toMatch(/^passthrough +No faults\./m);
    expect(p.stdout()).toMatch(/^lb-idle-timeout +A load balancer drops connections/m);
    expect(p.stdout()).toMatch(/^my-outage +My own outage\./m);
  });
});

describe('wsfault run with scenarios', () => {
  const BANNER = /proxy\s+(ws:\/\/127\.0\.0\.1:\d+)/;

  it('--scenario NAME is active from the start and named in the banner', async () => {
    const echo = await startWsEcho();
    const p = run(['--target', echo.url, '--listen', ':0', '--api', 'off', '--scenario', 'upgrade-required-426']);
    const [, url] = await p.waitFor(BANNER);
    expect(p.stdout()).toMatch(/scenario\s+upgrade-required-426/);
    expect(await upgradeStatus(url!)).toBe(426);
  });

  it('runs a built-in that uses a message fault', async () => {
    const echo = await startWsEcho();
    const p = run(['--target', echo.url, '--listen', ':0', '--api', 'off', '--scenario', 'message-loss']);
    await p.waitFor(/scenario\s+message-loss/);
  });

  it('exits 2 for an unknown scenario', async () => {
    const p = run(['--listen', ':0', '--api', 'off', '--scenario', 'no-such-thing']);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr()).toMatch(/no scenario named "no-such-thing"/);
  });

  it('--config starts several proxies, each with its scenario', async () => {
    const echo = await startWsEcho();
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-'));
    const file = join(dir, 'wsfault.yaml');
    writeFileSync(
      file,
      `proxies:\n  - name: chat\n    listen: 127.0.0.1:0\n    target: ${echo.url}\n    scenario: unavailable-503\n  - name: feed\n    listen: 127.0.0.1:0\n    target: ${echo.url}\nseed: 7\n`,
    );
    const p = run(['--config', file, '--api', 'off']);
    await p.waitFor(/proxy feed\s+ws:\/\/\S+[^]*scenario\s+passthrough/);
    expect(p.stdout()).toMatch(/seed 7/);
    const chat = p.stdout().match(/proxy chat\s+(ws:\/\/\S+)/)![1]!;
    const feed = p.stdout().match(/proxy feed\s+(ws:\/\/\S+)/)![1]!;
    expect(await upgradeStatus(chat)).toBe(503);
    const ws = await openClient(feed);
    expect((await roundTrip(ws, 'feed ok')).data.toString()).toBe('feed ok');
    ws.close();
  });

  it('--watch reloads a scenario file when it changes', async () => {
    const echo = await startWsEcho();
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-'));
    const file = join(dir, 'live.yaml');
    const write = (code: number) => writeFileSync(file, `name: live\nfaults:\n  - type: status\n    code: ${code}\n`);
    write(503);
    const p = run(['--target', echo.url, '--listen', ':0', '--api', 'off', '--scenario', file, '--watch']);
    const [, url] = await p.waitFor(BANNER);
    expect(await upgradeStatus(url!)).toBe(503);
    write(429);
    let status = 0;
    for (let i = 0; i < 50 && status !== 429; i++) {
      await delay(100);
      status = await upgradeStatus(url!);
    }
    expect(status).toBe(429);
    // A broken edit is reported and the running version stays.
    writeFileSync(file, 'name: live\nfaults:\n  - type: status\n    code: 9999\n');
    await delay(600);
    expect(await upgradeStatus(url!)).toBe(429);
  });
});
