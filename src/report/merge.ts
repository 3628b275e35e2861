import { outcomeOf, type Attempt } from './attempt.js';
import { groupByClient, type Grouped } from './group.js';
import { decide, joined, single } from './row.js';
import type { Outcome, ReportAttempt } from './schema.js';

/** TCP/TLS-level failure: the client got no HTTP answer at all (what Chromium retries by itself). */
const transportFailure = (o: Outcome) => o === 'reset' || o === 'closed' || o === 'tls-error';

/** What the per-client facts read of a logical attempt (its only connection, or its joined row). */
export type LogicalFacts = Pick<ReportAttempt, 'start' | 'faults' | 'closedBy' | 'upgradedAt' | 'firstMessageAt'>;

/**
 * The logical attempts of every client as columns. A client whose attempts sit at positions
 * [from, to) of `order` gets its logical attempts at indices [from, from + n): there are never
 * more logical attempts than connections, so every client's stay put and the report can read
 * them after all clients are merged, without an object per attempt. A logical attempt of one
 * connection (nearly all of them) is read straight from its Attempt; one of several is joined
 * into its report row once, when merged.
 */
export class Merger {
  readonly first: Int32Array;
  readonly last: Int32Array;
  readonly count: Int32Array;
  readonly end: Float64Array;
  /** When each logical attempt began (its first connection's start): read from a column, not from 200 000 scattered Attempts. */
  readonly start: Float64Array;
  private readonly open: Uint8Array;
  private readonly eio: Uint8Array;
  private readonly sid: (string | null)[];
  readonly outcome: Outcome[];
  /** Per position in `order`: the logical attempt it belongs to. */
  readonly logicalAt: Int32Array;
  private readonly joinedRows = new Map<number, ReportAttempt>();

  constructor(
    readonly g: Grouped,
    private readonly mergeWindowMs: number,
  ) {
    const n = g.sorted.length;
    this.first = new Int32Array(n);
    this.last = new Int32Array(n);
    this.count = new Int32Array(n);
    this.end = new Float64Array(n);
    this.start = new Float64Array(n);
    this.open = new Uint8Array(n);
    this.eio = new Uint8Array(n);
    this.sid = new Array<string | null>(n).fill(null);
    this.outcome = new Array<Outcome>(n).fill('open');
    this.logicalAt = new Int32Array(n);
  }

  /**
   * Merges the attempts of positions [from, to) into logical attempts at [from, from + n) and
   * returns n: an engine.io session (first polling request, later requests with its `sid`, the
   * upgrade) and a retry less than the merge window after a TCP/TLS-level failure are one.
   */
  merge(from: number, to: number): number {
    const { sorted, order } = this.g;
    const b = from;
    let n = 0;
    for (let p = from; p < to; p++) {
      const a = sorted[order[p]!]!;
      let l = -1;
      if (a.eio && a.sid !== null) {
        // A request of a session already seen, or the first one carrying the sid of the latest handshake.
        for (let i = b + n - 1; i >= b && i >= b + n - 8; i--) {
          if (this.eio[i] === 1 && (this.sid[i] === a.sid || this.sid[i] === null)) {
            this.sid[i] = a.sid;
            l = i;
            break;
          }
        }
      }
      const prev = b + n - 1;
      if (l < 0 && n > 0 && this.open[prev] === 0 && a.start - this.end[prev]! < this.mergeWindowMs && transportFailure(outcomeOf(sorted[order[this.last[prev]!]!]!))) l = prev;
      if (l < 0) {
        l = b + n++;
        this.first[l] = p;
        this.start[l] = a.start;
        this.count[l] = 0;
        this.end[l] = -Infinity;
        this.open[l] = 0;
        this.eio[l] = 0;
        this.sid[l] = a.sid;
      }
      this.last[l] = p;
      this.count[l]!++;
      if (a.eio) this.eio[l] = 1;
      if (a.end === null) this.open[l] = 1;
      else if (a.end > this.end[l]!) this.end[l] = a.end;
      this.logicalAt[p] = l;
    }
    for (let l = b; l < b + n; l++) {
      const end = this.endOf(l);
      if (this.count[l] === 1) this.outcome[l] = decide(this.only(l), end);
      else {
        const row = joined(this.conns(l), l - b + 1, end);
        this.joinedRows.set(l, row);
        this.outcome[l] = row.outcome;
      }
    }
    return n;
  }

  /** The connection of a one-connection logical attempt. */
  only(l: number): Attempt {
    return this.g.sorted[this.g.order[this.first[l]!]!]!;
  }

  /** The report row of a logical attempt of several connections; undefined for one of one. */
  joinedRow(l: number): ReportAttempt | undefined {
    return this.joinedRows.get(l);
  }

  /** The connections of logical attempt `l`, in order. */
  conns(l: number): Attempt[] {
    const { sorted, order } = this.g;
    if (this.count[l] === 1) return [sorted[order[this.first[l]!]!]!];
    const out: Attempt[] = [];
    for (let p = this.first[l]!; p <= this.last[l]!; p++) if (this.logicalAt[p] === l) out.push(sorted[order[p]!]!);
    return out;
  }

  /** When logical attempt `l` began: its first connection's start. */
  startOf(l: number): number {
    return this.start[l]!;
  }

  /** When logical attempt `l` ended: its last connection's end, null while one is open. */
  endOf(l: number): number | null {
    return this.open[l] === 1 ? null : this.end[l]!;
  }

  /** What the per-client facts read of logical attempt `l`. */
  facts(l: number): LogicalFacts {
    return this.count[l] === 1 ? this.only(l) : this.joinedRows.get(l)!;
  }

  /** Logical attempt `l` as a report object, numbered `id` within its client. */
  attempt(l: number, id: number): ReportAttempt {
    return this.count[l] === 1 ? single(this.only(l), id, this.endOf(l), this.outcome[l]) : this.joinedRows.get(l)!;
  }
}

/** One logical attempt: the connections merged into it, in order (a view for callers that want objects). */
export interface Logical {
  conns: Attempt[];
  start: number;
  end: number | null;
}

export interface ClientAttempts {
  key: string;
  keyedBy: string;
  logical: Logical[];
}

/** Groups the attempt log by client key and merges each client's logical attempts, as objects. */
export function groupClients(attempts: readonly Attempt[], mergeWindowMs: number): ClientAttempts[] {
  const g = groupByClient(attempts);
  const m = new Merger(g, mergeWindowMs);
  return g.clients.map(({ key, keyedBy, from, to }) => {
    const logical: Logical[] = [];
    for (let l = from, n = m.merge(from, to); l < from + n; l++) logical.push({ conns: m.conns(l), start: m.startOf(l), end: m.endOf(l) });
    return { key, keyedBy, logical };
  });
}
