import { connKey } from './attempt.js';
import { classify, percentile } from './classify.js';
import { medianOf } from './select.js';
import type { FaultMoment, Fleet } from './schema.js';

export interface ClientTimes {
  /** Waits of the run that was classified, by index. */
  runWaits: readonly number[];
}

/** Where the herd finds the clients' attempts (the merger's columns in the report). */
export interface HerdSource {
  /** Calls `visit` for each connection (by connKey) of each client's logical attempts, client after client, attempt after attempt. */
  forEachConn(visit: (conn: string, client: number, attempt: number) => void): void;
  /** When the client's logical attempt after `attempt` began; undefined when none followed. */
  nextStart(client: number, attempt: number): number | undefined;
}

const NO_ATTEMPTS: HerdSource = { forEachConn: () => {}, nextStart: () => undefined };

const HERD_MIN_CLIENTS = 3;
const WINDOW_MS = 100;

/**
 * Across clients (SPEC §11): jitter decided per attempt index (the k-th wait's spread across
 * clients exceeds max(5 % of its mean, 25 ms)); the herd after the fault moment that hit the
 * most clients at once: spread of their first retries, the largest share in one 100 ms window,
 * the peak attempts per second over the run.
 */
export function fleetOf(clients: readonly ClientTimes[], moments: readonly FaultMoment[], starts = new Float64Array(0), source = NO_ATTEMPTS): Fleet {
  const longest = clients.reduce((n, c) => Math.max(n, c.runWaits.length), 0);
  // The k-th waits as columns, filled in one pass over the clients (in client order, so the sums
  // and spreads add up exactly as a per-index pass did), then each column's median selected in place.
  const columns: Float64Array[] = [];
  const counts = new Int32Array(longest);
  const sums = new Float64Array(longest);
  for (let k = 0; k < longest; k++) columns.push(new Float64Array(clients.length));
  for (const c of clients) {
    const w = c.runWaits;
    for (let k = 0; k < w.length; k++) {
      columns[k]![counts[k]!++] = w[k]!;
      sums[k] += w[k]!;
    }
  }
  const perIndex: Fleet['jitter']['perIndex'] = [];
  const schedule: number[] = [];
  for (let k = 0; k < longest; k++) {
    const n = counts[k]!;
    const ws = columns[k]!.subarray(0, n);
    if (n >= 2) {
      const mean = sums[k]! / n;
      let sq = 0;
      // d * d, not d ** 2: the same number, without a call to Math.pow in code not yet optimized.
      for (let i = 0; i < n; i++) {
        const d = ws[i]! - mean;
        sq += d * d;
      }
      const sd = Math.sqrt(sq / (n - 1));
      perIndex.push({ k, n, meanMs: Math.round(mean), sdMs: Math.round(sd), jitter: sd > Math.max(0.05 * mean, 25) });
    }
    schedule.push(Math.round(medianOf(ws)));
  }
  const jittered = perIndex.filter((p) => p.jitter).length;
  const verdict = perIndex.length === 0 ? 'insufficient' : jittered * 2 > perIndex.length ? 'jitter' : 'none';
  return {
    clients: clients.length,
    schedule,
    backoff: classify(schedule),
    jitter: { verdict, perIndex },
    herd: herdOf(source, moments, starts),
  };
}

/** `starts`: every logical attempt's start, sorted (the build has them in order already). */
function herdOf(source: HerdSource, moments: readonly FaultMoment[], starts: Float64Array): Fleet['herd'] {
  // Only the connections some fault moment names need finding; by proxy too, as each numbers its own.
  const named = moments.map((m) => m.conns.map((conn, i) => connKey(m.proxies[i]!, conn)));
  const wanted = new Set<string>();
  for (const conns of named) for (const conn of conns) wanted.add(conn);
  const byConn = new Map<string, { client: number; attempt: number }>();
  if (wanted.size > 0) source.forEachConn((conn, client, attempt) => wanted.has(conn) && byConn.set(conn, { client, attempt }));
  let best: { moment: FaultMoment; retries: number[] } | null = null;
  for (let i = 0; i < moments.length; i++) {
    const moment = moments[i]!;
    const hit = new Map<number, number>();
    for (const conn of named[i]!) {
      const at = byConn.get(conn);
      if (at && !hit.has(at.client)) hit.set(at.client, at.attempt);
    }
    if (hit.size < HERD_MIN_CLIENTS || (best && hit.size <= best.retries.length)) continue;
    const retries: number[] = [];
    for (const [ci, ai] of hit) {
      const next = source.nextStart(ci, ai);
      if (next !== undefined) retries.push(next - moment.at);
    }
    if (retries.length >= HERD_MIN_CLIENTS) best = { moment, retries };
  }
  const peakPerSecond = peakIn(starts, 1000);
  if (!best) return { verdict: 'insufficient', fault: null, at: null, clients: 0, spreadMs: { p10: 0, p50: 0, p90: 0, spread: 0 }, largestShare: 0, peakPerSecond };
  const sorted = best.retries.sort((a, b) => a - b);
  const [p10, p50, p90] = [0.1, 0.5, 0.9].map((p) => Math.round(percentile(sorted, p))) as [number, number, number];
  const largestShare = Math.round((peakIn(sorted, WINDOW_MS) / sorted.length) * 100) / 100;
  return {
    verdict: largestShare >= 0.5 ? 'herd' : 'no-herd',
    fault: best.moment.type,
    at: best.moment.at,
    clients: sorted.length,
    spreadMs: { p10, p50, p90, spread: p90 - p10 },
    largestShare,
    peakPerSecond,
  };
}

/** Most values of a sorted list inside any window [t, t + width). */
function peakIn(sorted: ArrayLike<number>, width: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}
