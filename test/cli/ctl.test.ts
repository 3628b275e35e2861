import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.js';
import { closeAll, freePort, startWsEcho } from '../helpers/servers.js';
import { attemptWs, closed, openClient } from '../helpers/ws-client.js';

const cli = cliRunner();
afterEach(async () => {
  cli.killAll();
  await closeAll();
});

describe('wsfault ctl against a running wsfault', () => {
  it('use, status, connections, kill, reset, events', async () => {
    const echo = await startWsEcho();
    const eventsFile = join(mkdtempSync(join(tmpdir(), 'wsfault-')), 'events.ndjson');
    const server = cli.run(['--target', echo.url, '--listen', '127.0.0.1:0', '--api', '127.0.0.1:0', '--events-file', eventsFile]);
    const [, url] = await server.waitFor(/proxy\s+(ws:\/\/\S+)/);
    const [, api] = await server.waitFor(/control\s+(http:\/\/\S+)/);
    const ctl = async (...args: string[]) => {
      const p = cli.run(['ctl', ...args, '--api', api!]);
      const { code } = await p.exited;
      return { code, out: p.stdout(), err: p.stderr() };
    };

    // `ctl events` subscribes asynchronously: switch until it has printed a change (a fixed
    // wait was flaky on a loaded machine).
    const events = cli.run(['ctl', 'events', '--types', 'scenario.changed', '--api', api!]);
    for (let i = 0; i < 40 && !events.stdout().includes('"type":"scenario.changed"'); i++) {
      expect((await ctl('use', i % 2 === 0 ? 'upgrade-required-426' : 'passthrough')).code).toBe(0);
      await new Promise((r) => setTimeout(r, 250));
    }
    await events.waitFor(/"type":"scenario.changed"/);
    expect((await ctl('use', 'unavailable-503')).code).toBe(0);
    expect((await attemptWs(url!)).error).toBe('Unexpected server response: 503');
    expect(JSON.parse((await ctl('status')).out)).toMatchObject({ name: 'default', scenario: 'unavailable-503' });

    expect((await ctl('reset')).code).toBe(0);
    const ws = await openClient(url!);
    const list = JSON.parse((await ctl('connections')).out) as { id: string }[];
    expect(list).toHaveLength(1);
    const done = closed(ws);
    expect((await ctl('kill', list[0]!.id, '--code', '4003')).code).toBe(0);
    expect((await done).code).toBe(4003);

    // --events-file holds the same events as NDJSON.
    const lines = readFileSync(eventsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    expect(lines.map((e) => e.type)).toEqual(expect.arrayContaining(['proxy.listening', 'scenario.changed', 'connection.open', 'handshake', 'connection.close']));

    const bad = await ctl('use', 'no-such-scenario');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/WSFAULT_NOT_FOUND: no scenario named "no-such-scenario"/);
  }, 60_000);

  it('says clearly when no wsfault is listening (exit 1)', async () => {
    const p = cli.run(['ctl', 'status', '--api', `http://127.0.0.1:${await freePort()}`]);
    expect((await p.exited).code).toBe(1);
    expect(p.stderr()).toMatch(/cannot reach the wsfault API \(ECONNREFUSED\)/);
  });
});
