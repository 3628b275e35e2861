import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, type Wsfault } from '../../src/index.js';
import { WsfaultClient } from '../../src/client/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';

const running: Wsfault[] = [];
afterAll(async () => {
  await Promise.all(running.map((w) => w.close()));
});

afterEach(() => {
  vi.useRealTimers();
});

/**
 * One client's attempts, one after another, each opened and ended on the report's clock at
 * `at[k]`. The test sets that clock (only Date is faked; sockets and timers are real) and holds
 * it until the proxy has seen the attempt end, so the waits the report measures are exactly the
 * schedule's. With real sleeps, a loaded machine moved the proxy's view of a 200 ms wait to
 * anything from 85 to 310 ms (the proxy handles the end and the next accept late, by up to 126
 * and 295 ms), and 'fixed' came out as 'table'; the real clock is covered by the test below.
 */
async function attemptsAt(chaos: Wsfault, url: string, at: readonly number[]): Promise<void> {
  for (const time of at) {
    vi.setSystemTime(time);
    const ended = chaos.waitFor('connection.close');
    const ws = new WebSocket(url);
    ws.on('open', () => ws.send('hi'));
    ws.on('error', () => {});
    await Promise.all([new Promise((resolve) => ws.on('close', resolve)), ended]);
  }
}

describe('reconnect report over real sockets (SPEC §11)', () => {
  it('classifies an immediate and a fixed client told apart by query:client, and judges expect:', async () => {
    const chaos = await startWsfault({
      seed: 3,
      clientKey: 'query:client',
      scenario: { name: 'refuse', faults: [{ type: 'status', code: 503 }], expect: { minWait: '100ms', maxAttempts: 10 } },
    });
    running.push(chaos);
    vi.useFakeTimers({ toFake: ['Date'] });
    const t0 = Date.now();
    // naive retries at once (waits 0), fixed every 200 ms; their attempts interleave on the clock.
    await attemptsAt(chaos, `${chaos.url}/?client=naive`, [t0, t0, t0, t0, t0]);
    await attemptsAt(chaos, `${chaos.url}/?client=fixed`, [t0, t0 + 200, t0 + 400, t0 + 600, t0 + 800]);
    const report = chaos.report();
    vi.useRealTimers();
    const byKey = Object.fromEntries(report.clients.map((c) => [c.key, c]));
    expect(Object.keys(byKey).sort()).toEqual(['fixed', 'naive']);
    expect(byKey.naive!.attempts).toHaveLength(5);
    expect(byKey.naive!.attempts.every((a) => a.outcome === 'rejected' && a.status === 503)).toBe(true);
    expect(byKey.fixed!.attempts.map((a) => a.outcome)).toEqual(Array(5).fill('rejected'));
    expect(byKey.naive!.waits).toEqual([0, 0, 0, 0]);
    expect(byKey.fixed!.waits).toEqual([200, 200, 200, 200]);
    expect(byKey.naive!.backoff).toMatchObject({ class: 'immediate', label: 'immediate' });
    expect(byKey.fixed!.backoff).toMatchObject({ class: 'fixed', label: 'fixed ~200 ms' });
    expect(byKey.naive!.expectations.find((e) => e.name === 'minWait')!.pass).toBe(false);
    expect(byKey.fixed!.expectations.find((e) => e.name === 'minWait')!.pass).toBe(true);
    expect(report.expectations.find((e) => e.name === 'minWait')).toMatchObject({ pass: false, failing: ['naive'] });
    expect(report.verdict).toBe('fail');
    expect(report.clientKey.weak).toBe(false);

    const client = new WsfaultClient(chaos.apiUrl!);
    expect((await client.report()).clients).toHaveLength(2);
    const md = await client.reportText('md');
    expect(md).toContain('| naive | 5 | immediate |');
    const junit = new XMLParser({ ignoreAttributes: false }).parse(await client.reportText('junit'));
    const suites = [junit.testsuites.testsuite].flat();
    expect(suites).toHaveLength(2);
    for (const suite of suites) expect([suite.testcase].flat().map((c: { '@_name': string }) => c['@_name'])).toEqual(['minWait', 'maxAttempts']);
    expect(junit.testsuites['@_failures']).toBe('1');
    await client.resetReport();
    expect((await client.report()).clients).toHaveLength(0);
  });

  it('records recovery: time to the next 101 and to the next client message', async () => {
    const chaos = await startWsfault({ seed: 4, scenario: { name: 'restart', faults: [{ type: 'close-frame', code: 1012, after: '100ms', count: 1 }], expect: { resumes: true, reconnect: { within: '5s' } } } });
    running.push(chaos);
    const first = new WebSocket(chaos.url);
    first.on('open', () => first.send('a'));
    const code = await new Promise<number>((resolve) => first.on('close', resolve));
    expect(code).toBe(1012);
    // The attempt ends when the proxy has both sockets closed, which on a loaded machine came up to
    // 400 ms after the client's close (measured); a client back sooner is not linked to the loss
    // (a product limit, noted in this commit's body). Reconnect 50 ms after the proxy's end.
    await chaos.waitFor('connection.close', { since: 0 });
    await new Promise((r) => setTimeout(r, 50));
    const second = new WebSocket(chaos.url);
    second.on('open', () => second.send('b'));
    await new Promise((resolve) => second.on('message', resolve));
    second.close();
    await chaos.waitFor('connection.close', { since: 0, count: 2 });
    const [client] = chaos.report().clients;
    expect(client!.attempts.map((a) => a.outcome)).toEqual(['upgraded', 'upgraded']);
    expect(client!.attempts[0]!.closeCode).toBe(1012);
    expect(client!.recovery).toHaveLength(1);
    expect(client!.recovery[0]!.fault).toBe('close-frame');
    // Measured from when the proxy saw the end (the client waited 50 ms after it).
    expect(client!.recovery[0]!.upgradeAfter).toBeGreaterThan(0);
    expect(client!.recovery[0]!.messageAfter).toBeGreaterThanOrEqual(client!.recovery[0]!.upgradeAfter!);
    expect(client!.expectations.every((e) => e.pass)).toBe(true);
  });
});

describe('expect: in scenarios is validated like every other key', () => {
  it('reports unknown keys, bad durations and types with line and column', () => {
    const text = ['name: x', 'expect:', '  reconnect: { within: soon }', '  minWait: -5ms', '  jiter: true', '  maxAttempts: 0', ''].join('\n');
    let message = '';
    try {
      loadScenarioText(text, 'x.yaml');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('x.yaml:3:');
    expect(message).toContain('expect.reconnect.within: must be a duration');
    expect(message).toMatch(/x\.yaml:5:3 +expect\.jiter: unknown key "jiter" \(did you mean "jitter"\?\)/);
    expect(message).toContain('expect.maxAttempts');
    const ok = loadScenarioText('name: y\nexpect:\n  reconnect: { within: 10s }\n  minWait: 500ms\n  herd: false\n', 'y.yaml');
    expect(ok.expect).toEqual({ reconnectWithinMs: 10_000, minWaitMs: 500, herd: false });
  });
});
