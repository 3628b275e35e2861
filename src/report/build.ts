import type { AttemptLog } from './attempt-log.js';
import { clientFacts, type ClientFacts } from './client.js';
import type { Expectations } from './expect-schema.js';
import { judge, summarise } from './expect.js';
import { fleetOf } from './fleet.js';
import { formatSpec, type KeySpec } from './identity.js';
import { groupByClient, Merger } from './merge.js';
import type { Report, ReportAttempt } from './schema.js';

export interface BuildOptions {
  specs: readonly KeySpec[];
  mergeWindowMs: number;
  expect: Expectations | null;
  now?: number;
}

/**
 * Builds the whole report from the attempt log: pure, so the bench and the tests call it directly.
 * A few linear passes (group by client, merge and facts per client, the fleet, expectations);
 * docs/PERFORMANCE.md has what 200 000 attempts cost.
 */
export function buildReport(log: AttemptLog, options: BuildOptions): Report {
  const now = options.now ?? Date.now();
  const grouped = groupByClient(log.list());
  const merger = new Merger(grouped, options.mergeWindowMs);
  const facts: ClientFacts[] = new Array(grouped.clients.length);
  const opens = new Uint8Array(grouped.sorted.length);
  let logical = 0;
  for (let c = 0; c < facts.length; c++) {
    const { key, keyedBy, from, to } = grouped.clients[c]!;
    const n = merger.merge(from, to);
    const attempts: ReportAttempt[] = new Array(n);
    for (let l = 0; l < n; l++) {
      attempts[l] = merger.attempt(l, l + 1);
      opens[grouped.order[merger.first[l]!]!] = 1;
    }
    facts[c] = clientFacts(key, keyedBy, attempts, now);
    logical += n;
  }
  // Logical attempts begin at their first connection, and the log is in start order: their starts come out sorted.
  const starts = new Float64Array(logical);
  for (let i = 0, at = 0; i < opens.length; i++) if (opens[i] === 1) starts[at++] = grouped.sorted[i]!.start;
  const fleet = fleetOf(facts, log.faultMoments(), starts);
  const judged = options.expect ? judge(options.expect, fleet, now) : null;
  const clients: Report['clients'] = new Array(facts.length);
  for (let c = 0; c < facts.length; c++) {
    const f = facts[c]!;
    clients[c] = { key: f.key, keyedBy: f.keyedBy, attempts: f.attempts, waits: f.waits, backoff: f.backoff, gaveUp: f.gaveUp, recovery: f.recovery, expectations: judged ? judged(f) : [] };
  }
  const weak = clients.some((c) => c.keyedBy === 'addr+ua' || c.keyedBy === 'address');
  const specs = options.specs.map(formatSpec);
  return {
    version: 1,
    startedAt: log.startedAt,
    generatedAt: now,
    clientKey: {
      specs,
      weak,
      note: weak
        ? 'some clients are told apart only by address and user agent: clients on one host with one user agent count as one; give --client-key query:NAME (or header:, cookie:, subprotocol)'
        : `clients told apart by ${specs.join(', ')}`,
    },
    mergeWindowMs: options.mergeWindowMs,
    attempts: { total: log.total, kept: log.total - log.dropped, dropped: log.dropped, cap: log.cap },
    faults: [...log.faultMoments()],
    clients,
    fleet,
    ...summarise(options.expect, clients),
  };
}
