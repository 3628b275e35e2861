import { outcomeOf, type Attempt } from './attempt-log.js';
import type { Outcome, ReportAttempt } from './schema.js';

/** One logical attempt: the connections merged into it, in order. */
export interface Logical {
  conns: Attempt[];
  start: number;
  end: number | null;
  sid: string | null;
  eio: boolean;
}

export interface ClientAttempts {
  key: string;
  keyedBy: string;
  logical: Logical[];
}

/** TCP/TLS-level failure: the client got no HTTP answer at all (what Chromium retries by itself). */
const transportFailure = (o: Outcome) => o === 'reset' || o === 'closed' || o === 'tls-error';

/**
 * Groups the attempt log by client key, then merges connections that are one logical attempt
 * (SPEC §11): an engine.io session (first polling request, later requests with its `sid`, the
 * upgrade) and a client's retry less than `mergeWindowMs` after a TCP/TLS-level failure.
 * Connections without a request (reset at accept) belong to the nearest keyed connection from
 * the same address: the next one if there is one (a retry follows its failure), else the last.
 */
export function groupClients(attempts: readonly Attempt[], mergeWindowMs: number): ClientAttempts[] {
  const sorted = attempts.every((a, i) => i === 0 || attempts[i - 1]!.start <= a.start) ? attempts : [...attempts].sort((a, b) => a.start - b.start);
  const { keys, by } = resolveKeys(sorted);
  const clients = new Map<string, ClientAttempts>();
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    const key = keys[i]!;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = { key, keyedBy: by[i]!, logical: [] }));
    place(client.logical, a, mergeWindowMs);
  }
  return [...clients.values()];
}

/** Each attempt's key and the spec that gave it; attempts without a request take their address's nearest keyed attempt. */
function resolveKeys(sorted: readonly Attempt[]): { keys: string[]; by: string[] } {
  const n = sorted.length;
  const keys: string[] = new Array(n);
  const by: string[] = new Array(n);
  let missing = false;
  for (let i = 0; i < n; i++) {
    const a = sorted[i]!;
    if (a.key !== null) {
      keys[i] = a.key;
      by[i] = a.keyedBy!;
    } else missing = true;
  }
  if (!missing) return { keys, by };
  const next = new Map<string, number>();
  for (let i = n - 1; i >= 0; i--) {
    const a = sorted[i]!;
    if (a.key !== null) next.set(a.address, i);
    else if (next.has(a.address)) [keys[i], by[i]] = [keys[next.get(a.address)!]!, by[next.get(a.address)!]!];
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

function place(logical: Logical[], a: Attempt, mergeWindowMs: number): void {
  if (a.eio && a.sid !== null) {
    // A request of a session already seen, or the first one carrying the sid of the latest handshake.
    for (let i = logical.length - 1; i >= 0 && i >= logical.length - 8; i--) {
      const l = logical[i]!;
      if (l.eio && (l.sid === a.sid || l.sid === null)) {
        l.sid = a.sid;
        return join(l, a);
      }
    }
  }
  const last = logical[logical.length - 1];
  if (last && last.end !== null && a.start - last.end < mergeWindowMs && transportFailure(outcomeOf(last.conns[last.conns.length - 1]!))) {
    return join(last, a);
  }
  logical.push({ conns: [a], start: a.start, end: a.end, sid: a.sid, eio: a.eio });
}

function join(l: Logical, a: Attempt): void {
  l.conns.push(a);
  l.eio ||= a.eio;
  l.end = null;
  for (const c of l.conns) {
    if (c.end === null) return void (l.end = null);
    l.end = Math.max(l.end ?? c.end, c.end);
  }
}

/** What a logical attempt looks like in the report (plain assignments: this runs for every attempt kept). */
export function reportAttempt(l: Logical, id: number): ReportAttempt {
  const conns = l.conns;
  let upgraded: Attempt | undefined;
  let firstMessageAt: number | undefined;
  let first: Attempt | undefined;
  for (const c of conns) {
    if (!upgraded && c.upgradedAt !== undefined) upgraded = c;
    if (firstMessageAt === undefined && c.firstMessageAt !== undefined) firstMessageAt = c.firstMessageAt;
    if (!first && c.method !== undefined) first = c;
  }
  const decisive = upgraded ?? conns[conns.length - 1]!;
  let outcome = outcomeOf(decisive);
  if (outcome === 'open' && l.end !== null) outcome = 'closed';
  const ids: string[] = new Array(conns.length);
  for (let i = 0; i < conns.length; i++) ids[i] = conns[i]!.conn;
  const out: ReportAttempt = { id, conns: ids, start: l.start, end: l.end, outcome, faults: conns.length === 1 ? conns[0]!.faults : [...new Set(conns.flatMap((c) => c.faults))] };
  if (decisive.status !== undefined) out.status = decisive.status;
  if (upgraded) out.upgradedAt = upgraded.upgradedAt!;
  if (firstMessageAt !== undefined) out.firstMessageAt = firstMessageAt;
  if (decisive.closeCode !== undefined) out.closeCode = decisive.closeCode;
  if (decisive.closedBy) out.closedBy = decisive.closedBy;
  if (decisive.how) out.how = decisive.how;
  if (first) {
    out.method = first.method!;
    out.path = first.path!;
  }
  return out;
}
