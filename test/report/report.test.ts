import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, type Wsfault } from '../../src/index.js';
import { WsfaultClient } from '../../src/client/index.js';
import { loadScenarioText } from '../../src/scenario/load.js';

const running: Wsfault[] = [];
afterAll(async () => {
  await Promise.all(running.map((w) => w.close()));
});

/** A client that opens, waits for the end, waits `delay(n)`, and opens again, `tries` times in all. */
function retrying(url: string, delay: (n: number) => number, tries: number, message = 'hi'): Promise<void> {
  return new Promise((resolve) => {
    let n = 0;
    const open = () => {
      const ws = new WebSocket(url);
      ws.on('open', () => ws.send(message));
      ws.on('error', () => {});
      ws.on('close', () => {
        n++;
        if (n >= tries) return resolve();
        setTimeout(open, delay(n));
      });
    };
    open();
  });
}

describe('reconnect report over real sockets (SPEC §11)', () => {
  it('classifies an immediate and a fixed client told apart by query:client, and judges expect:', async () => {
    const chaos = await startWsfault({
      seed: 3,
      clientKey: 'query:client',
      scenario: { name: 'refuse', faults: [{ type: 'status', code: 503 }], expect: { minWait: '100ms', maxAttempts: 10 } },
    });
    running.push(chaos);
    await Promise.all([retrying(`${chaos.url}/?client=naive`, () => 0, 5), retrying(`${chaos.url}/?client=fixed`, () => 200, 5)]);
    const report = chaos.report();
    const byKey = Object.fromEntries(report.clients.map((c) => [c.key, c]));
    expect(Object.keys(byKey).sort()).toEqual(['fixed', 'naive']);
    expect(byKey.naive!.attempts).toHaveLength(5);
    expect(byKey.naive!.attempts.every((a) => a.outcome === 'rejected' && a.status === 503)).toBe(true);
    expect(byKey.naive!.backoff.class).toBe('immediate');
    expect(byKey.fixed!.backoff.class).toBe('fixed');
    // The proxy sees the end a moment after the client does; the client waited 200 ms from its own view.
    expect(byKey.fixed!.waits.every((w) => w >= 150)).toBe(true);
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
    // Measured from when the proxy saw the end, a little after the client did (it waited 50 ms from its own).
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
