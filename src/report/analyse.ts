import type { AttemptLog } from './attempt-log.js';
import { clientFacts, waitsOf, type ClientFacts } from './client.js';
import type { BuildOptions, ClientsPart } from './build-options.js';
import { judge, Tally } from './expect.js';
import { fleetOf } from './fleet.js';
import { groupByClient } from './group.js';
import { formatSpec } from './identity.js';
import { Merger } from './merge.js';
import { fromBooks, herdSource, weakKey } from './analyse-books.js';
import type { Report } from './schema.js';

export type { BuildOptions } from './build-options.js';

/** One client as the first pass leaves it: its logical attempts are [from, from + n) of the merger's columns. */
export interface ClientEntry {
  key: string;
  keyedBy: string;
  from: number;
  n: number;
  /** Its waits, and those of its longest run of retries (what the fleet compares): worked out once, in the first pass. */
  waits: number[];
  runWaits: number[];
}

/** The report's run-wide part; the clients' part is worked out one client at a time by `eachClient`. */
export interface Analysis extends Omit<Report, 'clients' | 'expectations' | 'verdict'> {
  /**
   * Works out each client's facts and expectations in order and hands them to `visit` (which
   * keeps them or writes them out), then returns the run-wide expectation lines.
   */
  eachClient(visit: (client: ClientFacts) => void): Pick<Report, 'expectations' | 'verdict'>;
}

/**
 * Works out the report from the attempt log (SPEC §11). From the log's books (books.ts) when it
 * can: each client's attempts were worked out alone, when they last changed or when it went
 * quiet, and only the fleet and what depends on the moment are left (analyse-books.ts). From
 * the whole log otherwise (attempts without a request yet, which join a client by address; a log
 * not in start order): `fromLog` below. Both give the same report (test/report/books.test.ts).
 */
export function analyse(log: AttemptLog, options: BuildOptions): Analysis {
  const now = options.now ?? Date.now();
  const part = log.booksUsable() && !options.fromLog ? fromBooks(log, options, now) : fromLog(log, options, now);
  const specs = options.specs.map(formatSpec);
  return {
    version: 1,
    startedAt: log.startedAt,
    generatedAt: now,
    clientKey: {
      specs,
      weak: part.weak,
      note: part.weak
        ? 'some clients are told apart only by address and user agent: clients on one host with one user agent count as one; give --client-key query:NAME (or header:, cookie:, subprotocol)'
        : `clients told apart by ${specs.join(', ')}`,
    },
    mergeWindowMs: options.mergeWindowMs,
    attempts: { total: log.total, kept: log.total - log.dropped, dropped: log.dropped, cap: log.cap },
    faults: [...log.faultMoments()],
    fleet: part.fleet,
    eachClient: part.eachClient,
  };
}

/**
 * From the whole log, in two passes. The first groups by client, merges every client's logical
 * attempts into the merger's columns and works out the fleet (it needs every client's waits);
 * the second, `eachClient`, works out one client at a time, so the facts of 10 000 clients need
 * not all live at once: the JSON writer (report-json.ts) drops each client once written, the
 * object report (build.ts) keeps them. docs/PERFORMANCE.md has the cost.
 */
function fromLog(log: AttemptLog, options: BuildOptions, now: number): ClientsPart {
  const grouped = groupByClient(log.list(), log.hints());
  const merger = new Merger(grouped, options.mergeWindowMs);
  const clients: ClientEntry[] = new Array(grouped.clients.length);
  // Per attempt in start order: whether it opens a logical attempt, and then that one's start.
  const opens = new Uint8Array(grouped.sorted.length);
  const openStart = new Float64Array(grouped.sorted.length);
  let logical = 0;
  for (let c = 0; c < clients.length; c++) {
    const { key, keyedBy, from, to } = grouped.clients[c]!;
    const n = merger.merge(from, to);
    for (let l = from; l < from + n; l++) {
      const i = grouped.order[merger.first[l]!]!;
      opens[i] = 1;
      openStart[i] = merger.start[l]!;
    }
    const { waits, runWaits } = waitsOf(merger, from, n);
    clients[c] = { key, keyedBy, from, n, waits, runWaits };
    logical += n;
  }
  // Logical attempts begin at their first connection, and the log is in start order: their starts come out sorted.
  const starts = new Float64Array(logical);
  for (let i = 0, at = 0; i < opens.length; i++) if (opens[i] === 1) starts[at++] = openStart[i]!;
  const fleet = fleetOf(clients, log.faultMoments(), starts, herdSource(clients.map((c) => ({ m: merger, from: c.from, n: c.n }))));
  const judged = options.expect ? judge(options.expect, fleet, now) : null;
  const eachClient = (visit: (client: ClientFacts) => void) => {
    const tally = new Tally(options.expect);
    for (const { key, keyedBy, from, n, waits, runWaits } of clients) {
      const facts = clientFacts(merger, key, keyedBy, from, n, now, { waits, runWaits });
      if (judged) facts.expectations = judged(facts);
      tally.add(facts);
      visit(facts);
    }
    return tally.result();
  };
  return { fleet, weak: clients.some((c) => weakKey(c.keyedBy)), eachClient };
}
