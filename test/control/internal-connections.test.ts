import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { cliRunner } from '../helpers/cli.js';
import { attemptWs, openClient, roundTrip } from '../helpers/ws-client.js';

const cli = cliRunner();
let wsfault: RunningWsfault | null = null;
afterEach(async () => {
  cli.killAll();
  await wsfault?.stop(200);
  wsfault = null;
});

/** One sample of a Prometheus counter (0 when it has none yet). */
function sample(metrics: string, name: string, labels: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('probes and wsfault’s own requests are never clients of a proxy', () => {
  it('health probes (API, --health, wsfault health) and the echo page leave refuse-first-3 its three refusals for real clients', async () => {
    const eventsFile = join(mkdtempSync(join(tmpdir(), 'wsfault-')), 'events.ndjson');
    // The built-in echo server (no target), so its page and its own start-up are part of this.
    wsfault = await createWsfault({ scenario: 'refuse-first-3', seed: 1, health: '127.0.0.1:0', eventsFile });
    const { apiUrl, healthUrl, app } = wsfault;

    // Every kind of probe, several times each.
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${apiUrl}/health`)).status).toBe(200);
      expect((await fetch(`${healthUrl}/health`)).status).toBe(200);
    }
    const probes = [cli.run(['health', '--url', `${apiUrl}/health`]), cli.run(['health', '--url', `${healthUrl}/health`])];
    expect((await Promise.all(probes.map((p) => p.exited))).map((e) => e.code)).toEqual([0, 0]);
    expect((await fetch(`${apiUrl}/version`)).status).toBe(200);
    // The echo page, as a browser loads it: from the API, with no asset to fetch (not even a favicon).
    const page = await (await fetch(`${apiUrl}/echo`)).text();
    expect(page.match(/(?:src|href)="(?!data:)[^"]*"/g)).toBeNull();
    const port = Number(/const PROXY_PORT = (\d+);/.exec(page)![1]);
    expect(`ws://127.0.0.1:${port}`).toBe(app.status('default').url);

    // Nothing of that reached the proxy: no connection listed, counted or reported.
    expect(app.connections('default')).toEqual([]);
    expect(await (await fetch(`${apiUrl}/proxies/default/connections`)).json()).toEqual([]);
    const before = await (await fetch(`${apiUrl}/metrics`)).text();
    expect(sample(before, 'wsfault_connections_total', 'proxy="default"')).toBe(0);
    expect(before).not.toMatch(/^wsfault_handshakes_total\{/m);
    expect(before).not.toMatch(/^wsfault_faults_applied_total\{/m);

    // Five real clients to the URL the page uses: exactly the first three are refused.
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await attemptWs(`ws://127.0.0.1:${port}/ws`));
    expect(outcomes.map((o) => o.opened)).toEqual([false, false, false, true, true]);
    const ws = await openClient(`ws://127.0.0.1:${port}/ws`);
    expect((await roundTrip(ws, 'a real client')).data.toString()).toBe('a real client');
    ws.close();

    const after = await (await fetch(`${apiUrl}/metrics`)).text();
    expect(sample(after, 'wsfault_connections_total', 'proxy="default"')).toBe(6);
    expect(sample(after, 'wsfault_faults_applied_total', 'proxy="default",scenario="refuse-first-3",fault="refuse-1",type="refuse"')).toBe(3);
    await wsfault.stop(200);
    wsfault = null;
    const events = readFileSync(eventsFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(events[0]!.type).toBe('proxy.listening');
    expect(count('connection.open')).toBe(6);
    expect(count('fault.applied')).toBe(3);
    expect(count('http.request')).toBe(0);
    expect(count('handshake')).toBe(3);
  }, 60_000);
});
