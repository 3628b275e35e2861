import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { AttemptLog, newAttempt } from '../../src/report/attempt-log.js';
import { buildReport } from '../../src/report/build.js';
import { parseClientKey } from '../../src/report/identity.js';
import { groupByClient } from '../../src/report/group.js';
import { groupClients } from '../../src/report/merge.js';
import { variedLog } from './varied-logs.js';

const specs = parseClientKey('query:client');

describe('attempt log (SPEC §11)', () => {
  it('keeps at most its cap, drops the oldest and counts them', () => {
    const log = new AttemptLog(specs, 3);
    for (let i = 0; i < 5; i++) log.add(newAttempt(`c-${i}`, 'default', '127.0.0.1', i * 1000, { key: 'a', keyedBy: 'query:client', end: i * 1000 + 1 }));
    expect(log.list().map((a) => a.conn)).toEqual(['c-2', 'c-3', 'c-4']);
    const report = buildReport(log, { specs, mergeWindowMs: 100, expect: null, now: 10_000 });
    expect(report.attempts).toEqual({ total: 5, kept: 3, dropped: 2, cap: 3 });
    log.reset();
    expect(log.list()).toEqual([]);
  });

  it('merges an engine.io session by sid, and a retry inside the merge window after a reset only', () => {
    const a = (conn: string, start: number, fields: object) => newAttempt(conn, 'default', '10.0.0.1', start, { key: 'k', keyedBy: 'query:client', ...fields });
    const attempts = [
      a('poll', 0, { eio: true, sid: 'S1', http: true, end: 50 }), // the handshake's keep-alive socket carried the sid later
      a('ws', 20, { eio: true, sid: 'S1', status: 101, upgradedAt: 25, end: 900 }),
      a('r1', 1000, { how: 'rst', end: 1001 }),
      a('r2', 1050, { status: 101, upgradedAt: 1060, end: 2000 }), // 49 ms after a reset: the same attempt
      a('r3', 2050, { status: 101, upgradedAt: 2060, end: 3000 }), // 50 ms after a clean end: a new one
      newAttempt('anon', 'default', '10.0.0.1', 2990, { how: 'rst', end: 2991 }), // no request: the address's next keyed one
      a('r4', 3050, { status: 101, upgradedAt: 3060, end: null }),
    ];
    const [client] = groupClients(attempts, 100);
    expect(client!.logical.map((l) => l.conns.map((c) => c.conn))).toEqual([['poll', 'ws'], ['r1', 'r2'], ['r3'], ['anon', 'r4']]);
  });

  it('keeps apart two proxies whose connection ids are the same (each counts from c-1)', () => {
    const bus = new EventBus();
    const log = new AttemptLog(specs);
    log.attach(bus);
    for (const proxy of ['a', 'b']) bus.emit(proxy, 'connection.open', { conn: 'c-1', client: { address: '127.0.0.1', port: proxy === 'a' ? 40001 : 40002 } });
    bus.emit('a', 'handshake', { conn: 'c-1', path: '/', subprotocols: [], status: 101, faults: [] });
    bus.emit('b', 'handshake', { conn: 'c-1', path: '/', subprotocols: [], status: 503, faults: [] });
    bus.emit('b', 'fault.applied', { conn: 'c-1', fault: { name: 'status-1', type: 'status' } });
    bus.emit('a', 'fault.applied', { conn: 'c-1', fault: { name: 'status-1', type: 'status' } });
    bus.emit('b', 'connection.close', { conn: 'c-1', by: 'proxy', how: 'fin', durationMs: 1, bytes: { up: 1, down: 1 }, messages: { up: 0, down: 0 } });
    const [a, b] = log.list();
    expect([a!.proxy, a!.status, a!.upgradedAt !== undefined, a!.faults, a!.end]).toEqual(['a', 101, true, ['status'], null]);
    expect([b!.proxy, b!.status, b!.upgradedAt, b!.faults, b!.how]).toEqual(['b', 503, undefined, ['status'], 'fin']);
    // One moment, both connections in it: the same id twice, one per proxy.
    expect(log.faultMoments().map((m) => m.conns)).toEqual([['c-1', 'c-1']]);
  });

  it('groups a fault acting on many connections at once into one moment, each connection once', () => {
    const bus = new EventBus();
    const log = new AttemptLog(specs);
    log.attach(bus);
    for (const conn of ['c-1', 'c-2', 'c-2', 'c-3']) bus.emit('default', 'fault.applied', { conn, fault: { name: 'close-frame-1', type: 'close-frame' } });
    bus.emit('default', 'fault.applied', { conn: 'c-1', fault: { name: 'delay-messages-1', type: 'delay-messages' } });
    expect(log.faultMoments().map((m) => [m.type, m.conns])).toEqual([
      ['close-frame', ['c-1', 'c-2', 'c-3']],
      ['delay-messages', ['c-1']],
    ]);
  });

  it('knows whether its attempts came in start order and all have keys, and the report is the same either way', () => {
    const at = (conn: string, start: number, key: string | null) => newAttempt(conn, 'default', '10.0.0.1', start, { key, keyedBy: key === null ? null : 'query:client', status: 503, how: 'fin', end: start + 5 });
    const options = { specs, mergeWindowMs: 100, expect: { minWaitMs: 50, maxAttempts: 3 }, now: 100_000 };
    const starts = [0, 1_000, 3_000, 2_000, 7_000];
    const shuffled = new AttemptLog(specs);
    for (const s of starts) shuffled.add(at(`c-${s}`, s, s === 2_000 ? null : 'k'));
    expect(shuffled.hints()).toEqual({ sorted: false, keyed: false, ids: 2 });
    const ordered = new AttemptLog(specs);
    for (const s of [...starts].sort((a, b) => a - b)) ordered.add(at(`c-${s}`, s, s === 2_000 ? null : 'k'));
    expect(ordered.hints()).toEqual({ sorted: true, keyed: false, ids: 2 });
    const report = buildReport(shuffled, options);
    expect(report.clients).toEqual(buildReport(ordered, options).clients);
    expect(report.clients[0]!.attempts.map((a) => a.start)).toEqual([0, 1_000, 2_000, 3_000, 7_000]);
    expect(report.clients[0]!.waits).toEqual([995, 995, 995, 3_995]);

    // The keyless attempt dropped by the cap: every kept one has its key.
    const capped = new AttemptLog(specs, 2);
    for (const [i, key] of ['k', null, 'k', 'k'].entries()) capped.add(at(`c-${i}`, i * 1_000, key));
    expect(capped.hints()).toEqual({ sorted: true, keyed: true, ids: 2 });
    // Keyed when its request head comes (the connection observer), as a live log is.
    const bus = new EventBus();
    const live = new AttemptLog(specs);
    live.attach(bus);
    bus.emit('default', 'connection.open', { conn: 'c-1', client: { address: '127.0.0.1', port: 40001 } });
    expect(live.hints().keyed).toBe(false);
    bus.request('default', 'c-1', { method: 'GET', path: '/', query: 'client=a', headers: [['Host', 'x']], upgrade: true });
    expect(live.hints().keyed).toBe(true);
    expect(live.list()[0]!.key).toBe('a');
  });

  it('groups by its numbers for keys as it would by the keys, also once its key table was cleared', () => {
    const at = (conn: string, start: number, key: string, keyedBy = 'query:client') => newAttempt(conn, 'default', '10.0.0.1', start, { key, keyedBy, end: start + 5 });
    // Cap 4: the table holds keys and specs; the fifth string clears it, so `b` comes back under a second number.
    const cleared = new AttemptLog(specs, 4);
    for (const [i, [key, by]] of [['b'], ['x'], ['y', 'header:x'], ['b']].entries()) cleared.add(at(`c-${i}`, i * 1_000, key!, by));
    expect(cleared.list().map((a) => a.client)).toEqual([0, 2, 3, 5]);
    for (const l of [cleared, ...Array.from({ length: 60 }, (_, i) => variedLog(i + 1).log)]) {
      const byNumber = groupByClient(l.list(), l.hints());
      const byKey = groupByClient(l.list(), { ...l.hints(), ids: 0 });
      expect(byNumber.clients).toEqual(byKey.clients);
      expect([...byNumber.order]).toEqual([...byKey.order]);
    }
    expect(groupByClient(cleared.list(), cleared.hints()).clients.map((c) => [c.key, c.to - c.from])).toEqual([
      ['b', 2],
      ['x', 1],
      ['y', 1],
    ]);
  });
});
