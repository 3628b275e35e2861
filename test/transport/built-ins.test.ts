import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

/**
 * The built-in transport scenarios load for running and act as their descriptions say. Their
 * long timings (60 s idle, 10 s reset) are checked on the loaded parameters; the behaviour of
 * each fault at short timings is in controls.test.ts and timing.test.ts.
 */
afterEach(async () => {
  await stopApps();
  await closeAll();
});

async function rtt(ws: WebSocket): Promise<number> {
  const started = performance.now();
  await roundTrip(ws, 'ping?');
  return performance.now() - started;
}

describe('built-in transport scenarios', () => {
  it('flaky-network adds 150 ± 100 ms each way with loss; mobile-3g about 300 ms per round trip', async () => {
    const echo = await startWsEcho();
    const flaky = await startWsfault(echo.url, 'flaky-network');
    const a = await openClient(flaky.url);
    const flakyRtts = [await rtt(a), await rtt(a), await rtt(a)];
    for (const ms of flakyRtts) expect(ms).toBeGreaterThanOrEqual(100); // at least 2 × (150 − 100)
    a.close();
    const mobile = await startWsfault(echo.url, 'mobile-3g');
    const b = await openClient(mobile.url);
    for (let i = 0; i < 3; i++) expect(await rtt(b)).toBeGreaterThanOrEqual(200); // 2 × (150 − 50)
    b.close();
  }, 30_000);

  it('lb-idle-timeout, half-open and connection-reset carry their realistic timings', async () => {
    const echo = await startWsEcho();
    for (const [name, type, field, value] of [
      ['lb-idle-timeout', 'idle-timeout', 'timeout', 60_000],
      ['half-open', 'blackhole', 'after', 5_000],
      ['connection-reset', 'reset', 'after', 10_000],
      ['abrupt-close', 'close', 'after', 10_000],
    ] as const) {
      const { url, engine } = await startWsfault(echo.url, name);
      const fault = engine.phase.faults[0]!;
      expect(fault.type).toBe(type);
      expect(field in fault.params ? fault.params[field] : (fault as unknown as Record<string, unknown>)[field]).toBe(value);
      // Before the fault's time, traffic flows.
      const ws = await openClient(url);
      expect((await roundTrip(ws, name)).data.toString()).toBe(name);
      ws.terminate();
      await stopApps();
    }
  });

  it('refuse-first-3 refuses three connections, then lets them in', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, 'refuse-first-3');
    const outcomes: boolean[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await openClient(url).then((ws) => (ws.close(), true), () => false));
    expect(outcomes).toEqual([false, false, false, true]);
  });

  it('too-many-connections admits 10 and answers the 11th with 503', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, 'too-many-connections');
    const open = await Promise.all(Array.from({ length: 10 }, () => openClient(url)));
    const status = await new Promise<number>((resolve) => new WebSocket(url).on('error', () => {}).once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(503);
    for (const ws of open) ws.close();
  });

  it('rolling-deploy alternates serving and draining (503 with Retry-After, Close 1012)', async () => {
    const echo = await startWsEcho();
    const { engine } = await startWsfault(echo.url, 'rolling-deploy');
    expect(engine.scenario.loop).toBe(true);
    expect(engine.scenario.phases.map((p) => [p.name, p.durationMs, p.faults.map((f) => f.type)])).toEqual([
      ['serving', 20_000, ['max-lifetime']],
      ['draining', 5_000, ['status', 'close-frame']],
    ]);
  });

  it('slow-connect delays the dial; truncated-stream cuts after 1 MiB toward the client', async () => {
    const echo = await startWsEcho();
    const slow = await startWsfault(echo.url, 'slow-connect');
    const started = performance.now();
    const ws = await openClient(slow.url);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_500);
    ws.close();
    const cut = await startWsfault(echo.url, 'truncated-stream');
    const client = await openClient(cut.url);
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    client.send(Buffer.alloc(1024 * 1024 + 10));
    expect(await closed).toBe(1006);
  });
});
