import type { AttemptLog } from './attempt-log.js';
import { clientFacts } from './client.js';
import type { Expectations } from './expect-schema.js';
import { judge, summarise } from './expect.js';
import { fleetOf } from './fleet.js';
import { formatSpec, type KeySpec } from './identity.js';
import { groupClients } from './merge.js';
import type { Report } from './schema.js';

export interface BuildOptions {
  specs: readonly KeySpec[];
  mergeWindowMs: number;
  expect: Expectations | null;
  now?: number;
}

/** Builds the whole report from the attempt log: pure, so the bench and the tests call it directly. */
export function buildReport(log: AttemptLog, options: BuildOptions): Report {
  const now = options.now ?? Date.now();
  const grouped = groupClients(log.list(), options.mergeWindowMs);
  const facts = grouped.map((c) => clientFacts(c, now));
  const fleet = fleetOf(
    facts.map((f) => ({ key: f.key, runWaits: f.runWaits, attempts: f.attempts })),
    log.faultMoments(),
  );
  const clients = facts.map(({ runWaits: _r, ...client }, i) => ({ ...client, expectations: options.expect ? judge(options.expect, facts[i]!, fleet, now) : [] }));
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
