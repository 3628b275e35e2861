import type { Attempt } from './attempt.js';
import { classify } from './classify.js';
import { gaveUpAt, lossesOf, quitOf, recoveries, waitListOf, waitsOf, type ClientFacts, type Loss, type Quit, type WaitList } from './client.js';
import type { Grouped } from './group.js';
import { JsonLayout } from './layout.js';
import { Merger } from './merge.js';
import { clientHead, isAscii, RowJson } from './row-json.js';
import { ClientJson } from './client-json.js';
import type { Backoff, Recovery } from './schema.js';

/**
 * What the report works out of one client's attempts alone, kept while they do not change: its
 * logical attempts (a Merger of its own), waits, backoff, recovery and its attempt rows as
 * compact JSON. What depends on the moment of the report (gaveUp, expectations) or on the
 * whole fleet is left to the report.
 */
export interface Settled {
  mergeWindowMs: number;
  m: Merger;
  n: number;
  keyedBy: string;
  waits: number[];
  runWaits: number[];
  backoff: Backoff;
  recovery: Recovery[];
  /** Each logical attempt's first connection's `seq`. */
  seqs: Float64Array;
  quit: Quit | null;
  losses: Loss[];
  waitList: WaitList;
  /**
   * Its compact JSON (`GET /report`): `head` from its opening brace to its backoff as UTF-8, and
   * its recovery list; what comes between and after depends on the report's moment and fleet.
   */
  compact: NonNullable<ClientFacts['compact']>;
}

/** The facts of a client whose book was worked out: only gaveUp depends on `now`. */
export function settledFacts(s: Settled, key: string, now: number): ClientFacts {
  const { m, n } = s;
  return { key, keyedBy: s.keyedBy, m, from: 0, n, compact: s.compact, waits: s.waits, backoff: s.backoff, gaveUp: gaveUpAt(s.quit, now), recovery: s.recovery, expectations: [], runWaits: s.runWaits, losses: s.losses, waitList: s.waitList };
}

const COMPACT = new JsonLayout(0);
const ROWS = new RowJson(COMPACT);
const FACTS = new ClientJson(COMPACT);

/** Works out the client `key` from its kept attempts, in log order. */
export function settle(key: string, kept: readonly Attempt[], mergeWindowMs: number): Settled {
  // A copy: the book's list changes as attempts come and go, this work must not.
  const attempts = kept.slice();
  const count = attempts.length;
  const order = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const keyedBy = attempts[0]!.keyedBy!;
  const g: Grouped = { sorted: attempts, order, clients: [{ key, keyedBy, from: 0, to: count }] };
  const m = new Merger(g, mergeWindowMs);
  const n = m.merge(0, count);
  // Where each logical attempt's first connection sits in the log: the report sorts the fleet's starts by it.
  const seqs = new Float64Array(n);
  for (let l = 0; l < n; l++) seqs[l] = attempts[m.first[l]!]!.seq;
  const { waits, runWaits } = waitsOf(m, 0, n);
  const backoff = classify(runWaits);
  const recovery = recoveries(m, 0, n);
  const { text, ascii } = clientHead(COMPACT, ROWS, { key, keyedBy, m, from: 0, n });
  const facts = FACTS.waits({ waits, backoff });
  // The backoff's label may not be ASCII ("exponential ×2"): Latin-1 only when all of it is.
  const head = Buffer.from(text + facts, ascii && isAscii(facts) ? 'latin1' : 'utf8');
  const recoveryJson = JSON.stringify(recovery);
  const quit = quitOf(m, 0, n, waits);
  const losses = lossesOf(m, { from: 0, n });
  return { mergeWindowMs, m, n, keyedBy, waits, runWaits, backoff, recovery, seqs, quit, losses, waitList: waitListOf(waits), compact: { head, recovery: recoveryJson, recoveryAscii: isAscii(recoveryJson) } };
}
