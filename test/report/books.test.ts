import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { AttemptLog, newAttempt } from '../../src/report/attempt-log.js';
import { buildReport, verdictsOf, type BuildOptions } from '../../src/report/build.js';
import { renderJunit } from '../../src/report/junit.js';
import { parseClientKey } from '../../src/report/identity.js';
import { releaseChunks } from '../../src/report/chunks.js';
import { reportJson } from '../../src/report/report-json.js';
import { Reporter, SETTLE } from '../../src/report/reporter.js';
import { variedLog } from './varied-logs.js';

/**
 * The report read from the log's books (each client worked out alone and kept while its attempts
 * do not change, src/report/books.ts) is the report worked out from the whole log: compared byte
 * for byte, compact and indented, and as objects, before and after the log changes under it.
 */
const bytes = (r: { chunks: Buffer[] }) => Buffer.concat(r.chunks).toString('utf8');

function expectSameWays(log: AttemptLog, options: BuildOptions, label: string): void {
  const whole = { ...options, fromLog: true };
  expect(log.booksUsable(), label).toBe(true);
  expect(bytes(reportJson(log, options)), label).toBe(bytes(reportJson(log, whole)));
  expect(bytes(reportJson(log, options, 2, '\n')), label).toBe(bytes(reportJson(log, whole, 2, '\n')));
  expect(buildReport(log, options), label).toEqual(buildReport(log, whole));
}

describe('the report from the books', () => {
  it('is the report from the whole log on 150 varied logs whose attempts all have keys', () => {
    let dropped = 0;
    let merged = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const { log, options } = variedLog(seed, true);
      expectSameWays(log, options, `seed ${seed}`);
      // Twice: the second report reads what the first worked out.
      expectSameWays(log, { ...options, now: (options.now ?? 0) + 60_000 }, `seed ${seed}, again`);
      dropped += log.dropped;
      merged += buildReport(log, options).clients.flatMap((c) => c.attempts).filter((a) => a.conns.length > 1).length;
    }
    // The logs hold what the comparison is for: attempts dropped at the cap, merged attempts.
    expect(dropped).toBeGreaterThan(50);
    expect(merged).toBeGreaterThan(50);
  });

  it('follows the log as it changes: attempts close, fail, get faults and messages, new ones come and old ones are dropped', () => {
    const bus = new EventBus();
    const log = new AttemptLog(parseClientKey('query:client'), 12);
    log.attach(bus);
    const t0 = Date.now() - 60_000;
    const options: BuildOptions = { specs: parseClientKey('query:client'), mergeWindowMs: 100, expect: { minWaitMs: 10, maxAttempts: 4, reconnectWithinMs: 5_000, resumes: true }, now: t0 + 120_000 };
    const add = (conn: string, client: string, start: number) => log.add(newAttempt(conn, 'default', '127.0.0.1', t0 + start, { key: client, keyedBy: 'query:client', method: 'GET', path: '/' }));
    add('c-1', 'a', 0);
    add('c-2', 'b', 10);
    add('c-3', 'a', 500);
    expectSameWays(log, options, 'three open attempts');
    expect(log.books.waiting).toBe(0);
    bus.emit('default', 'handshake', { conn: 'c-1', status: 101, headers: {} } as never);
    bus.emit('default', 'fault.applied', { conn: 'c-1', fault: { name: 'r', type: 'connection-reset' } });
    bus.emit('default', 'connection.close', { conn: 'c-1', by: 'proxy', how: 'rst', durationMs: 5, bytes: { up: 0, down: 0 }, messages: { up: 0, down: 0 } } as never);
    bus.emit('default', 'handshake', { conn: 'c-2', status: 503, headers: {} } as never);
    // Only client a's and b's books changed.
    expect(log.books.waiting).toBe(2);
    expectSameWays(log, options, 'after closes and faults');
    for (let i = 4; i <= 16; i++) add(`c-${i}`, i % 3 === 0 ? 'a' : 'c', 500 + i * 200);
    expect(log.dropped).toBeGreaterThan(0);
    expectSameWays(log, options, 'after the cap dropped attempts');
    expect(log.books.size).toBe(2);
  });

  it('works out only books quiet since a moment, oldest change first, until the budget is spent', () => {
    const log = new AttemptLog(parseClientKey('query:client'));
    for (let k = 0; k < 10; k++) for (let c = 0; c < 40; c++) log.add(newAttempt(`c-${c}-${k}`, 'default', '127.0.0.1', 1_000 + k * 100 + c, { key: `k${c}`, keyedBy: 'query:client', end: 1_010 + k * 100 + c, how: 'fin' }));
    expect(log.books.waiting).toBe(40);
    // Nothing is quiet since before it changed.
    expect(log.books.settleQuiet(0, 100)).toBe(0);
    // A budget of 0 ms: the clock is read once 250 attempts (25 books of 10) are worked out, and the slice ends.
    expect(log.books.settleQuiet(Date.now(), 100, 0)).toBe(25);
    expect(log.books.waiting).toBe(15);
    expect(log.books.settleQuiet(Date.now(), 100)).toBe(15);
    expect(log.books.waiting).toBe(0);
  });

  it('reads the clock by attempts worked out, so large books do not run a slice long', () => {
    const log = new AttemptLog(parseClientKey('query:client'), 20_000);
    for (let k = 0; k < 600; k++) for (let c = 0; c < 20; c++) log.add(newAttempt(`c${c}-${k}`, 'default', '127.0.0.1', 1_000 + k * 20 + c, { key: `k${c}`, keyedBy: 'query:client', end: 1_005 + k * 20 + c, how: 'fin' }));
    expect(log.books.waiting).toBe(20);
    // Before, 16 books (9 600 attempts, ~40 ms here) went by between two looks at the clock.
    expect(log.books.settleQuiet(Date.now(), 100, 0)).toBe(1);
    expect(log.books.waiting).toBe(19);
    expect(log.books.settleQuiet(Date.now(), 100, 0, 1_000)).toBe(1);
    expect(log.books.settleQuiet(Date.now(), 100)).toBe(18);
  });

  it('leaves a client of more attempts than the limit to the report', () => {
    const log = new AttemptLog(parseClientKey('query:client'));
    for (let i = 0; i < 30; i++) log.add(newAttempt(`c-${i}`, 'default', '127.0.0.1', 1_000 * (i + 1), { key: i < 25 ? 'many' : `one-${i}`, keyedBy: 'query:client', end: 1_000 * (i + 1) + 1, how: 'fin' }));
    expect(log.books.waiting).toBe(6);
    expect(log.books.settleQuiet(Date.now(), 100, Infinity, 24)).toBe(5);
    expect(log.books.waiting).toBe(1);
    const options: BuildOptions = { specs: parseClientKey('query:client'), mergeWindowMs: 100, expect: null, now: 100_000 };
    expect(buildReport(log, options).clients.map((c) => c.attempts.length)).toEqual([25, 1, 1, 1, 1, 1]);
    expect(log.books.waiting).toBe(0);
  });

  it('hands the kept text on by reference: the chunks written hold a tenth of the bytes, and reusing them spoils nothing', () => {
    const specs = parseClientKey('query:client');
    const log = new AttemptLog(specs, 20_000);
    for (let k = 0, t = 1_000_000; k < 20; k++, t += 1000)
      for (let c = 0; c < 400; c++) log.add(newAttempt(`c${c}-${k}`, 'default', '127.0.0.1', t + c, { key: `client-${c}`, keyedBy: 'query:client', method: 'GET', path: '/', end: t + c + 5, status: 503, how: 'fin', closedBy: 'client', faults: ['status'] }));
    const options: BuildOptions = { specs, mergeWindowMs: 100, expect: { minWaitMs: 50 }, now: 2_000_000 };
    const want = bytes(reportJson(log, { ...options, fromLog: true }));
    for (let round = 0; round < 3; round++) {
      const out = reportJson(log, options);
      expect(bytes(out)).toBe(want);
      const written = out.chunks.filter((c) => c.buffer.byteLength === 1 << 20).reduce((n, c) => n + c.length, 0);
      expect(written * 10).toBeLessThan(out.length);
      // The next report writes into these chunks: the kept text among them must not be one.
      releaseChunks(out.chunks);
    }
  });

  it('writes the JUnit file without attempt rows, the same as from the object report, on 120 varied logs', () => {
    let cases = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const { log, options } = variedLog(seed, seed % 2 === 0);
      const verdicts = verdictsOf(log, options);
      const report = buildReport(log, options);
      expect(renderJunit(verdicts), `seed ${seed}`).toBe(renderJunit(report));
      expect(verdicts.verdict).toBe(report.verdict);
      cases += verdicts.clients.reduce((n, c) => n + c.expectations.length, 0);
    }
    expect(cases).toBeGreaterThan(500);
  });

  it('hands chaos.report() copies: changing one report does not change the next', () => {
    const { log, options } = variedLog(7, true);
    const first = buildReport(log, options);
    const want = JSON.stringify(buildReport(log, options));
    for (const c of first.clients) {
      c.waits.push(1);
      c.backoff.waits.push(1);
      c.recovery.push({ fault: 'x', at: 0, upgradeAfter: null, messageAfter: null });
      for (const a of c.attempts) a.conns.push('x');
    }
    expect(JSON.stringify(buildReport(log, options))).toBe(want);
  });
});

describe('the settler (Reporter)', () => {
  afterEach(() => vi.useRealTimers());

  it('works a client out once it has been quiet for a second, in the background, and the report reads it', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const bus = new EventBus();
    const reporter = new Reporter(bus, () => ({ maxAttempts: 3 }), { clientKey: 'query:client' });
    const attempt = (conn: string, client: string) => {
      bus.emit('default', 'connection.open', { conn, client: { address: '127.0.0.1', port: 40_000 } });
      bus.request('default', conn, { method: 'GET', path: '/', query: `client=${client}`, headers: [['Host', 'x']], upgrade: true });
      bus.emit('default', 'handshake', { conn, path: '/', subprotocols: [], status: 503, faults: [] });
      bus.emit('default', 'connection.close', { conn, by: 'proxy', how: 'fin', durationMs: 1, bytes: { up: 1, down: 1 }, messages: { up: 0, down: 0 } });
    };
    attempt('c-1', 'a');
    attempt('c-2', 'b');
    expect(reporter.books).toEqual({ size: 2, waiting: 2 });
    vi.advanceTimersByTime(SETTLE.QUIET_MS - SETTLE.TICK_MS);
    expect(reporter.books.waiting).toBe(2);
    attempt('c-3', 'b');
    vi.advanceTimersByTime(SETTLE.TICK_MS);
    // a has been quiet for a second; b changed 250 ms ago.
    expect(reporter.books.waiting).toBe(1);
    vi.advanceTimersByTime(SETTLE.QUIET_MS);
    expect(reporter.books.waiting).toBe(0);
    const report = reporter.report();
    expect(report.clients.map((c) => [c.key, c.attempts.length])).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(JSON.parse(Buffer.concat(reporter.json().chunks).toString())).toEqual(JSON.parse(JSON.stringify(report)));
    reporter.stop();
    attempt('c-4', 'a');
    vi.advanceTimersByTime(10 * SETTLE.QUIET_MS);
    // Stopped: nothing heard, nothing worked out.
    expect(reporter.books.waiting).toBe(0);
  });
});
