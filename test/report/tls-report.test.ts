import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventBus } from '../../src/events/bus.js';
import { AttemptLog } from '../../src/report/attempt-log.js';
import { buildReport } from '../../src/report/build.js';
import { parseClientKey } from '../../src/report/identity.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { testCaDir, testCaPem } from '../helpers/tls.js';
import { until } from '../helpers/wait.js';

const running: RunningWsfault[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((w) => w.stop(200)));
  await closeAll();
});

/** wsfault --tls in front of an echo server, with the report keyed by query:client. */
async function start(mergeWindowMs: number) {
  const echo = await startWsEcho();
  const wsfault = await createWsfault({ target: echo.url, scenario: 'passthrough', seed: 1, api: false, tls: { caDir: testCaDir() }, report: { clientKey: 'query:client', mergeWindowMs } });
  running.push(wsfault);
  const closed: string[] = [];
  const tlsErrors: string[] = [];
  wsfault.app.bus.subscribe((e) => {
    if (e.type === 'connection.close') closed.push(e.conn);
    if (e.type === 'tls.error') tlsErrors.push(e.conn);
  });
  const port = wsfault.app.proxies.get('default')!.proxy.address.port;
  const use = (faults: object[]) => wsfault.app.use('default', { name: 'tls-report', faults });
  return { wsfault, closed, tlsErrors, use, url: `wss://localhost:${port}/?client=a` };
}

/** A ws client trusting the test CA: one attempt, a message when it opens; resolves at its close. */
function attempt(url: string): Promise<{ opened: boolean; code: string | null }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ca: testCaPem() });
    let opened = false;
    let code: string | null = null;
    ws.on('open', () => {
      opened = true;
      ws.send('hi');
      ws.once('message', () => ws.close(1000));
    });
    ws.on('error', (error: Error & { code?: string }) => (code = error.code ?? null));
    ws.on('close', () => resolve({ opened, code }));
  });
}

/** One attempt the TLS `fault` fails with the client's `code`, then one that opens, each waited to its end. */
async function failThenRecover(w: Awaited<ReturnType<typeof start>>, fault: object, code: string): Promise<void> {
  w.use([fault]);
  expect(await attempt(w.url)).toEqual({ opened: false, code });
  await until(() => w.tlsErrors.length === 1 && w.closed.includes(w.tlsErrors[0]!), 'the failed connection to end');
  w.use([]);
  expect(await attempt(w.url)).toEqual({ opened: true, code: null });
  await until(() => w.closed.length === 2, 'the second connection to end');
}

describe('the report sees TLS-level failures (SPEC §11 outcome tls-error)', () => {
  it('a handshake the client gave up on (tls-cert expired) is a tls-error attempt, then the recovery', async () => {
    // Merge window 0: the failure and the retry stay two attempts whatever the timing.
    const w = await start(0);
    await failThenRecover(w, { type: 'tls-cert', problem: 'expired' }, 'CERT_HAS_EXPIRED');

    const report = w.wsfault.reporter.report();
    // The failed attempt sent no request; it belongs to the next keyed attempt from its address.
    expect(report.clients.map((c) => c.key)).toEqual(['a']);
    const [failed, ok] = report.clients[0]!.attempts;
    expect(report.clients[0]!.attempts).toHaveLength(2);
    expect(failed).toMatchObject({ conns: [w.tlsErrors[0]], outcome: 'tls-error', faults: ['tls-cert'] });
    expect(failed!.method).toBeUndefined();
    expect(ok).toMatchObject({ outcome: 'upgraded', status: 101, method: 'GET', path: '/', faults: [] });
    expect(ok!.start).toBeGreaterThanOrEqual(failed!.end!);
    // Recovery is measured from the TLS failure to the next 101 and the next client message.
    expect(report.clients[0]!.recovery).toHaveLength(1);
    expect(report.clients[0]!.recovery[0]).toMatchObject({ fault: 'tls-cert', at: failed!.end });
    expect(report.clients[0]!.recovery[0]!.upgradeAfter).toBeGreaterThanOrEqual(0);
    expect(report.clients[0]!.recovery[0]!.messageAfter).toBeGreaterThanOrEqual(report.clients[0]!.recovery[0]!.upgradeAfter!);
  });

  it('a handshake a tls-handshake fault broke (reset) is a tls-error attempt too, not a bare reset', async () => {
    const w = await start(0);
    await failThenRecover(w, { type: 'tls-handshake', how: 'reset' }, 'ECONNRESET');
    const [failed, ok] = w.wsfault.reporter.report().clients[0]!.attempts;
    expect(failed).toMatchObject({ conns: [w.tlsErrors[0]], outcome: 'tls-error', faults: ['tls-handshake'] });
    expect(ok).toMatchObject({ outcome: 'upgraded', status: 101 });
  });

  it('a retry inside the merge window after a tls-error is the same attempt; after an upgrade it is not', async () => {
    // A window far longer than the test: merging is decided by the outcome alone.
    const w = await start(60_000);
    w.use([{ type: 'tls-cert', problem: 'expired' }]);
    expect((await attempt(w.url)).opened).toBe(false);
    await until(() => w.tlsErrors.length === 1 && w.closed.includes(w.tlsErrors[0]!), 'the failed connection to end');
    w.use([]);
    expect((await attempt(w.url)).opened).toBe(true);
    await until(() => w.closed.length === 2, 'the second connection to end');
    expect((await attempt(w.url)).opened).toBe(true);
    await until(() => w.closed.length === 3, 'the third connection to end');

    const attempts = w.wsfault.reporter.report().clients[0]!.attempts;
    expect(attempts.map((a) => [a.conns.length, a.outcome])).toEqual([
      [2, 'upgraded'],
      [1, 'upgraded'],
    ]);
    expect(attempts[0]!.conns[0]).toBe(w.tlsErrors[0]);
    expect(attempts[0]!.faults).toEqual(['tls-cert']);
  });

  it('tls.error on the bus marks the attempt, whatever the cause (the log hears events only)', () => {
    const bus = new EventBus();
    const log = new AttemptLog(parseClientKey('query:client'));
    log.attach(bus);
    for (const [conn, cause] of [['t-1', 'timeout'], ['t-2', 'protocol']] as const) {
      bus.emit('default', 'connection.open', { conn, client: { address: '10.0.0.9', port: 1 } });
      bus.emit('default', 'tls.error', { conn, cause, detail: cause });
      bus.emit('default', 'connection.close', { conn, by: 'proxy', how: 'fin', durationMs: 1, bytes: { up: 0, down: 0 }, messages: { up: 0, down: 0 } });
    }
    const report = buildReport(log, { specs: parseClientKey('query:client'), mergeWindowMs: 0, expect: null, now: Date.now() });
    expect(report.clients.flatMap((c) => c.attempts.map((a) => a.outcome))).toEqual(['tls-error', 'tls-error']);
    expect(report.clients[0]).toMatchObject({ key: '10.0.0.9 (no request)', keyedBy: 'address' });
  });
});
