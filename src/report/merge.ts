import { outcomeOf, type Attempt } from './attempt-log.js';
import type { Outcome, ReportAttempt } from './schema.js';

/**
 * Grouping and merging for the report (SPEC §11), built for 200 000 attempts: attempts are
 * grouped by client once (one Map lookup each, then a counting sort into an index array), and
 * each client's logical attempts live in typed arrays reused from client to client, so the only
 * objects made per attempt are the ones the report itself contains.
 */
export interface Grouped {
  /** The attempts in start order. */
  sorted: readonly Attempt[];
  /** Indices into `sorted`, client after client, each client's in start order. */
  order: Int32Array;
  clients: { key: string; keyedBy: string; from: number; to: number }[];
}

/** TCP/TLS-level failure: the client got no HTTP answer at all (what Chromium retries by itself). */
const transportFailure = (o: Outcome) => o === 'reset' || o === 'closed' || o === 'tls-error';

export function groupByClient(attempts: readonly Attempt[]): Grouped {
  let inOrder = true;
  for (let i = 1; i < attempts.length && inOrder; i++) inOrder = attempts[i - 1]!.start <= attempts[i]!.start;
  const sorted = inOrder ? attempts : [...attempts].sort((a, b) => a.start - b.start);
  const n = sorted.length;
  const { keys, by } = resolveKeys(sorted);
  const index = new Map<string, number>();
  const clients: Grouped['clients'] = [];
  const clientOf = new Int32Array(n);
  const counts: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = keys === null ? sorted[i]!.key! : keys[i]!;
    let c = index.get(key);
    if (c === undefined) {
      c = clients.length;
      index.set(key, c);
      clients.push({ key, keyedBy: by === null ? sorted[i]!.keyedBy! : by[i]!, from: 0, to: 0 });
      counts.push(0);
    }
    clientOf[i] = c;
    counts[c]!++;
  }
  let at = 0;
  for (let c = 0; c < clients.length; c++) {
    clients[c]!.from = clients[c]!.to = at;
    at += counts[c]!;
  }
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[clients[clientOf[i]!]!.to++] = i;
  return { sorted, order, clients };
}

/**
 * Each attempt's key and the spec that gave it (null: every attempt has its own); attempts
 * without a request take their address's nearest keyed attempt: the next one if there is one
 * (a retry follows its failure), else the last.
 */
function resolveKeys(sorted: readonly Attempt[]): { keys: string[] | null; by: string[] | null } {
  const n = sorted.length;
  let missing = false;
  for (let i = 0; i < n && !missing; i++) missing = sorted[i]!.key === null;
  if (!missing) return { keys: null, by: null };
  const keys: string[] = new Array(n);
  const by: string[] = new Array(n);
  const next = new Map<string, number>();
  for (let i = n - 1; i >= 0; i--) {
    const a = sorted[i]!;
    if (a.key !== null) {
      next.set(a.address, i);
      keys[i] = a.key;
      by[i] = a.keyedBy!;
    } else if (next.has(a.address)) [keys[i], by[i]] = [sorted[next.get(a.address)!]!.key!, sorted[next.get(a.address)!]!.keyedBy!];
  }
  const last = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const a = sorted[i]!;
    if (a.key !== null) last.set(a.address, i);
    else if (keys[i] === undefined) {
      const j = last.get(a.address);
      [keys[i], by[i]] = j === undefined ? [`${a.address} (no request)`, 'address'] : [keys[j]!, by[j]!];
    }
  }
  return { keys, by };
}

/** One client's logical attempts as columns, indexed by logical attempt; sized for the whole log, reused per client. */
export class Merger {
  readonly first: Int32Array;
  readonly last: Int32Array;
  readonly count: Int32Array;
  readonly end: Float64Array;
  private readonly open: Uint8Array;
  private readonly eio: Uint8Array;
  private readonly sid: (string | null)[];
  /** Per position in `order`: the logical attempt it belongs to. */
  readonly logicalAt: Int32Array;

  constructor(
    private readonly g: Grouped,
    private readonly mergeWindowMs: number,
  ) {
    const n = g.sorted.length;
    this.first = new Int32Array(n);
    this.last = new Int32Array(n);
    this.count = new Int32Array(n);
    this.end = new Float64Array(n);
    this.open = new Uint8Array(n);
    this.eio = new Uint8Array(n);
    this.sid = new Array<string | null>(n).fill(null);
    this.logicalAt = new Int32Array(n);
  }

  /**
   * Merges the attempts of positions [from, to) into logical attempts and returns how many: an
   * engine.io session (first polling request, later requests with its `sid`, the upgrade) and a
   * retry less than the merge window after a TCP/TLS-level failure are one logical attempt.
   */
  merge(from: number, to: number): number {
    const { sorted, order } = this.g;
    let n = 0;
    for (let p = from; p < to; p++) {
      const a = sorted[order[p]!]!;
      let l = -1;
      if (a.eio && a.sid !== null) {
        // A request of a session already seen, or the first one carrying the sid of the latest handshake.
        for (let i = n - 1; i >= 0 && i >= n - 8; i--) {
          if (this.eio[i] === 1 && (this.sid[i] === a.sid || this.sid[i] === null)) {
            this.sid[i] = a.sid;
            l = i;
            break;
          }
        }
      }
      const prev = n - 1;
      if (l < 0 && prev >= 0 && this.open[prev] === 0 && a.start - this.end[prev]! < this.mergeWindowMs && transportFailure(outcomeOf(sorted[order[this.last[prev]!]!]!))) l = prev;
      if (l < 0) {
        l = n++;
        this.first[l] = p;
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
    return n;
  }

  /** The connections of logical attempt `l` of the client just merged, in order. */
  conns(l: number): Attempt[] {
    const { sorted, order } = this.g;
    if (this.count[l] === 1) return [sorted[order[this.first[l]!]!]!];
    const out: Attempt[] = [];
    for (let p = this.first[l]!; p <= this.last[l]!; p++) if (this.logicalAt[p] === l) out.push(sorted[order[p]!]!);
    return out;
  }

  /** When logical attempt `l` ended: its last connection's end, null while one is open. */
  endOf(l: number): number | null {
    return this.open[l] === 1 ? null : this.end[l]!;
  }

  /** What logical attempt `l` looks like in the report. */
  attempt(l: number, id: number): ReportAttempt {
    const end = this.endOf(l);
    if (this.count[l] === 1) return single(this.g.sorted[this.g.order[this.first[l]!]!]!, id, end);
    return joined(this.conns(l), id, end);
  }
}

/**
 * A report attempt. A class, not a literal: its constructor's objects get room for every field
 * in the object itself (V8's slack tracking), where a literal with fields added afterwards
 * allocates a second store for them; JSON and deep equality see the same plain fields.
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

function decide(decisive: Attempt, end: number | null): Outcome {
  const outcome = outcomeOf(decisive);
  return outcome === 'open' && end !== null ? 'closed' : outcome;
}

function single(a: Attempt, id: number, end: number | null): ReportAttempt {
  return new Row(id, [a.conn], a.proxy, a.start, end, decide(a, end), a.faults, a, a.upgradedAt, a.firstMessageAt, a.method !== undefined ? a : undefined);
}

function joined(conns: Attempt[], id: number, end: number | null): ReportAttempt {
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
    for (let l = 0, n = m.merge(from, to); l < n; l++) logical.push({ conns: m.conns(l), start: g.sorted[g.order[m.first[l]!]!]!.start, end: m.endOf(l) });
    return { key, keyedBy, logical };
  });
}
