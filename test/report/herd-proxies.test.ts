import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { AttemptLog, newAttempt } from '../../src/report/attempt-log.js';
import type { Attempt } from '../../src/report/attempt.js';
import { buildReport } from '../../src/report/build.js';
import { parseClientKey } from '../../src/report/identity.js';

const specs = parseClientKey('query:client');

/**
 * Two proxies number their connections alike (c-1, c-2, ...). Clients at proxy `a` are hit by a
 * restart and all come back within 20 ms (a herd); clients at proxy `b`, on the same ids, are not
 * hit and come back a second apart.
 */
function twoProxies(): AttemptLog {
  const base = Date.now();
  const attempts: Attempt[] = [];
  const fields = (key: string, end: number | null) => ({ key, keyedBy: 'query:client', method: 'GET', path: '/', status: 101, upgradedAt: 0, end, ...(end === null ? {} : { how: 'close-frame' as const, closedBy: 'proxy' as const, closeCode: 1012 }) });
  for (let i = 0; i < 20; i++) {
    const conn = `c-${i + 1}`;
    attempts.push(newAttempt(conn, 'a', '127.0.0.1', base - 1_000 + i, fields(`a${i}`, base)));
    attempts.push(newAttempt(conn, 'b', '127.0.0.1', base - 900 + i, fields(`b${i}`, base + 500 + 1_000 * i)));
    attempts.push(newAttempt(`c-${i + 21}`, 'a', '127.0.0.1', base + 50 + i, fields(`a${i}`, null)));
    attempts.push(newAttempt(`c-${i + 21}`, 'b', '127.0.0.1', base + 1_000 + 1_000 * i, fields(`b${i}`, null)));
  }
  for (const a of attempts) a.upgradedAt = a.start + 5;
  attempts.sort((x, y) => x.start - y.start);
  const log = new AttemptLog(specs);
  for (const a of attempts) log.add(a);
  const bus = new EventBus();
  log.attach(bus);
  bus.subscribe(() => {});
  for (let i = 0; i < 20; i++) bus.emit('a', 'fault.applied', { conn: `c-${i + 1}`, fault: { name: 'server-restart-1', type: 'close-frame' } });
  return log;
}

describe('the herd finds the connections a fault hit at their own proxy', () => {
  it.each([false, true])('fromLog %s: the 20 clients at proxy a are a herd; b’s clients on the same ids are not counted', (fromLog) => {
    const report = buildReport(twoProxies(), { specs, mergeWindowMs: 0, expect: null, now: Date.now() + 60_000, fromLog });
    // Before, ids alone matched b's connections in a's place: 20 clients spread over 19 s, no herd.
    expect(report.fleet.herd).toMatchObject({ verdict: 'herd', fault: 'close-frame', clients: 20, largestShare: 1 });
    expect(report.fleet.herd.spreadMs.spread).toBeLessThan(20);
    expect(report.faults).toHaveLength(1);
    expect(report.faults[0]!.conns).toHaveLength(20);
    expect(report.faults[0]!.proxies).toEqual(Array(20).fill('a'));
  });
});
