import { EventBus } from '../../src/events/bus.js';
import { AttemptLog, newAttempt, type Attempt } from '../../src/report/attempt-log.js';
import type { BuildOptions } from '../../src/report/build.js';
import type { Expectations } from '../../src/report/expect-schema.js';
import { parseClientKey } from '../../src/report/identity.js';
import { streamFor, type Random } from '../../src/scenario/prng.js';

/**
 * Attempt logs of every shape the report meets, from the seeded PRNG: engine.io sessions (polling
 * then upgrade), retries inside the merge window after a reset or a TLS failure, attempts without
 * a request, open attempts, fault moments over several clients (a herd), dropped attempts,
 * integer and fractional times, keys and paths that JSON must escape. The report's two outputs
 * (objects and the JSON written from columns) are compared on them.
 */
export interface VariedLog {
  log: AttemptLog;
  options: BuildOptions;
}

const KEYS = ['plain', 'with "quotes"', 'back\\slash', 'tab\there', 'ünïcödé', 'emoji 😀', 'lone \ud800 surrogate', 'ctl \u0001\u001f', 'line\u2028sep'];
const PATHS = ['/', '/socket.io/', '/ws?token="x"', '/päth', '/a\\b'];
const FAULTS = ['status', 'connection-reset', 'close-frame', 'server-restart-1012', 'delay-messages'];
const EXPECTS: (Expectations | null)[] = [
  null,
  {},
  { minWaitMs: 50, maxAttempts: 25, jitter: true, herd: false },
  { reconnectWithinMs: 5_000, resumes: true, herd: true },
  { reconnectWithinMs: 100, minWaitMs: 1_000, jitter: false, maxAttempts: 3, resumes: false },
];

const pick = <T>(r: Random, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** `keyed`: every attempt has its key (no attempt without a request), so the report reads the log's books. */
export function variedLog(seed: number, keyed = false): VariedLog {
  const r = streamFor(seed, 'varied-log');
  const clientKey = r() < 0.3 ? 'addr+ua' : 'query:client';
  const specs = parseClientKey(clientKey === 'addr+ua' ? clientKey : 'query:client,addr+ua');
  const clients = 1 + Math.floor(r() * 12);
  const attempts: Attempt[] = [];
  const fractional = r() < 0.4;
  const base = Date.now() - 120_000;
  const time = (t: number) => (fractional ? t + r() : Math.round(t));
  let conn = 0;
  for (let c = 0; c < clients; c++) {
    const key = r() < 0.3 ? `${pick(r, KEYS)} ${c}` : `client-${c}`;
    const keyedBy = clientKey === 'addr+ua' || r() < 0.1 ? 'addr+ua' : 'query:client';
    const address = `10.0.0.${c % 4}`;
    const proxy = r() < 0.2 ? 'second' : 'default';
    let t = base + r() * 2_000;
    const n = Math.floor(r() * 9);
    for (let k = 0; k < n; k++) {
      const kind = r();
      const start = time(t);
      const end = r() < 0.08 && k === n - 1 ? null : time(start + 1 + r() * 400);
      const fields: Partial<Attempt> = { key, keyedBy, method: 'GET', path: pick(r, PATHS), end, faults: r() < 0.5 ? [pick(r, FAULTS)] : r() < 0.2 ? [pick(r, FAULTS), pick(r, FAULTS)] : [] };
      if (kind < 0.15) {
        // An engine.io session: a polling request, then its upgrade carrying the sid.
        const sid = `S${conn}`;
        attempts.push(newAttempt(`p${conn++}`, proxy, address, start, { ...fields, eio: true, sid: r() < 0.5 ? sid : null, http: true, end: time(start + 30) }));
        fields.eio = true;
        fields.sid = sid;
      } else if (kind < 0.3) {
        // A reset (or a failed TLS handshake) and the browser's own retry inside the merge window.
        attempts.push(newAttempt(`r${conn++}`, proxy, address, start, { ...(r() < 0.5 || keyed ? fields : { key: null, keyedBy: null }), how: 'rst', tlsError: r() < 0.3, end: time(start + 1) }));
      } else if (kind < 0.38) {
        attempts.push(newAttempt(`n${conn++}`, proxy, address, start, { ...(keyed ? { key, keyedBy } : {}), how: r() < 0.5 ? 'rst' : 'fin', end: time(start + 2) }));
        t += 500 + r() * 3_000;
        continue;
      }
      const upgraded = r() < 0.5;
      const status = upgraded ? 101 : r() < 0.2 ? 408 : r() < 0.3 ? undefined : 503;
      const message = upgraded && r() < 0.6;
      Object.assign(fields, {
        status,
        upgradedAt: upgraded ? time(start + 45) : undefined,
        firstMessageAt: message ? time(start + 50) : undefined,
        closeCode: upgraded && r() < 0.6 ? pick(r, [1000, 1001, 1006, 1012]) : undefined,
        closedBy: r() < 0.1 ? undefined : pick(r, ['client', 'server', 'proxy'] as const),
        how: r() < 0.1 ? undefined : pick(r, ['close-frame', 'fin', 'rst'] as const),
        http: status === undefined && r() < 0.5,
      });
      if (r() < 0.1) delete fields.method;
      attempts.push(newAttempt(`a${conn++}`, proxy, address, time(start + 40), fields));
      t = start + 500 + r() * 2_000 * 1.5 ** k;
    }
  }
  attempts.sort((a, b) => a.start - b.start);
  const cap = r() < 0.2 ? Math.max(1, Math.floor(attempts.length * 0.7)) : 100_000;
  const log = new AttemptLog(specs, cap);
  for (const a of attempts) log.add(a);
  // Fault moments through the bus, as the proxy reports them: one type over many connections (a herd).
  const bus = new EventBus();
  log.attach(bus);
  const live = log.list();
  for (let m = Math.floor(r() * 3); m > 0; m--) {
    const type = pick(r, FAULTS);
    for (const a of live) if (r() < 0.5) bus.emit(a.proxy, 'fault.applied', { conn: a.conn, fault: { name: `${type}-1`, type } });
  }
  const options: BuildOptions = { specs, mergeWindowMs: pick(r, [0, 100, 1_000]), expect: pick(r, EXPECTS), now: r() < 0.5 ? base + 200_000 : base + 10_000 };
  return { log, options };
}
