import { connKey, type Attempt } from './attempt.js';
import type { AttemptLog } from './attempt-log.js';
import type { BuildOptions, ClientsPart } from './build-options.js';
import type { ClientFacts } from './client.js';
import { settledFacts } from './settle.js';
import { judge, Tally } from './expect.js';
import { fleetOf, type HerdSource } from './fleet.js';
import type { Merger } from './merge.js';

/**
 * The clients' part of the report from the log's books (books.ts): each client's own work
 * (settle.ts) is read as it was left, or redone for the clients that changed since; what is
 * left here is the fleet (it compares every client) and what depends on the moment of the
 * report (gaveUp, the expectations). The same report as from the whole log (analyse.ts), in the
 * same client order: that of each client's first kept attempt.
 */
export function fromBooks(log: AttemptLog, options: BuildOptions, now: number): ClientsPart {
  const books = log.books.inOrder();
  const clients = books.map((b) => ({ key: b.key, s: log.books.settledOf(b, options.mergeWindowMs) }));
  let logical = 0;
  for (const c of clients) logical += c.s.n;
  // Every logical attempt's start, sorted without a sort: the log is in start order (else no
  // books) and its kept attempts are numbered dropped … total - 1, so each start is put at its
  // first connection's place in the log, and the places taken are read in order.
  const kept = log.total - log.dropped;
  const byPlace = new Float64Array(kept);
  const taken = new Uint8Array(kept);
  for (const { s } of clients) {
    for (let l = 0; l < s.n; l++) {
      const at = s.seqs[l]! - log.dropped;
      byPlace[at] = s.m.start[l]!;
      taken[at] = 1;
    }
  }
  const starts = new Float64Array(logical);
  for (let i = 0, at = 0; i < kept; i++) if (taken[i] === 1) starts[at++] = byPlace[i]!;
  const fleet = fleetOf(
    clients.map((c) => c.s),
    log.faultMoments(),
    starts,
    herdSource(clients.map((c) => ({ m: c.s.m, from: 0, n: c.s.n }))),
  );
  const judged = options.expect ? judge(options.expect, fleet, now) : null;
  const eachClient = (visit: (client: ClientFacts) => void) => {
    const tally = new Tally(options.expect);
    for (const { key, s } of clients) {
      const facts = settledFacts(s, key, now);
      if (judged) facts.expectations = judged(facts);
      tally.add(facts);
      visit(facts);
    }
    return tally.result();
  };
  return { fleet, weak: clients.some((c) => weakKey(c.s.keyedBy)), eachClient };
}

export const weakKey = (keyedBy: string) => keyedBy === 'addr+ua' || keyedBy === 'address';

/** The herd's view of the clients' logical attempts: each client's [from, from + n) of its merger. */
export function herdSource(clients: readonly { m: Merger; from: number; n: number }[]): HerdSource {
  return {
    forEachConn(visit) {
      for (let c = 0; c < clients.length; c++) {
        const { m, from, n } = clients[c]!;
        for (let l = from; l < from + n; l++) {
          if (m.count[l] === 1) visit(connOf(m.only(l)), c, l - from);
          else for (const a of m.conns(l)) visit(connOf(a), c, l - from);
        }
      }
    },
    nextStart(client, attempt) {
      const { m, from, n } = clients[client]!;
      return attempt + 1 < n ? m.startOf(from + attempt + 1) : undefined;
    },
  };
}

const connOf = (a: Attempt) => connKey(a.proxy, a.conn);
