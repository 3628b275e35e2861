import { outcomeOf, type Attempt } from './attempt.js';
import type { Outcome, ReportAttempt } from './schema.js';

/**
 * A report attempt. A class, not a literal: its constructor's objects get room for every field
 * in the object itself (V8's slack tracking), where a literal with fields added afterwards
 * allocates a second store for them; JSON and deep equality see the same plain fields. The JSON
 * writer (report-json.ts) writes a one-connection attempt in this same field order without
 * making the object: the two are compared byte for byte in test/report/report-json.test.ts.
 */
class Row {
  declare status?: number;
  declare upgradedAt?: number;
  declare firstMessageAt?: number;
  declare closeCode?: number;
  declare closedBy?: ReportAttempt['closedBy'];
  declare how?: ReportAttempt['how'];
  declare method?: string;
  declare path?: string;
  constructor(
    public id: number,
    public conns: string[],
    public proxy: string,
    public start: number,
    public end: number | null,
    public outcome: Outcome,
    public faults: string[],
    decisive: Attempt,
    upgradedAt: number | undefined,
    firstMessageAt: number | undefined,
    first: Attempt | undefined,
  ) {
    if (decisive.status !== undefined) this.status = decisive.status;
    if (upgradedAt !== undefined) this.upgradedAt = upgradedAt;
    if (firstMessageAt !== undefined) this.firstMessageAt = firstMessageAt;
    if (decisive.closeCode !== undefined) this.closeCode = decisive.closeCode;
    if (decisive.closedBy) this.closedBy = decisive.closedBy;
    if (decisive.how) this.how = decisive.how;
    if (first) {
      this.method = first.method!;
      this.path = first.path!;
    }
  }
}

export function decide(decisive: Attempt, end: number | null): Outcome {
  const outcome = outcomeOf(decisive);
  return outcome === 'open' && end !== null ? 'closed' : outcome;
}

/** A logical attempt of one connection (`outcome`: decide(a, end), when the caller has it already). */
export function single(a: Attempt, id: number, end: number | null, outcome = decide(a, end)): ReportAttempt {
  return new Row(id, [a.conn], a.proxy, a.start, end, outcome, a.faults, a, a.upgradedAt, a.firstMessageAt, a.method !== undefined ? a : undefined);
}

/** A logical attempt of several connections: the decisive one is the first upgraded, else the last. */
export function joined(conns: Attempt[], id: number, end: number | null): ReportAttempt {
  let upgraded: Attempt | undefined;
  let firstMessageAt: number | undefined;
  let first: Attempt | undefined;
  for (const c of conns) {
    if (!upgraded && c.upgradedAt !== undefined) upgraded = c;
    if (firstMessageAt === undefined && c.firstMessageAt !== undefined) firstMessageAt = c.firstMessageAt;
    if (!first && c.method !== undefined) first = c;
  }
  const decisive = upgraded ?? conns[conns.length - 1]!;
  const ids = conns.map((c) => c.conn);
  return new Row(id, ids, conns[0]!.proxy, conns[0]!.start, end, decide(decisive, end), [...new Set(conns.flatMap((c) => c.faults))], decisive, upgraded?.upgradedAt, firstMessageAt, first);
}
