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
  const keys = resolveKeys(sorted);
  const clients = new Map<string, ClientAttempts>();
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    const { key, by } = keys[i]!;
    let client = clients.get(key);
    if (!client) clients.set(key, (client = { key, keyedBy: by, logical: [] }));
    place(client.logical, a, mergeWindowMs);
  }
  return [...clients.values()];
}

function resolveKeys(sorted: readonly Attempt[]): { key: string; by: string }[] {
  const out: { key: string; by: string }[] = new Array(sorted.length);
  const nextByAddress = new Map<string, { key: string; by: string }>();
  for (let i = sorted.length - 1; i >= 0; i--) {
    const a = sorted[i]!;
    if (a.key !== null) nextByAddress.set(a.address, (out[i] = { key: a.key, by: a.keyedBy! }));
    else out[i] = nextByAddress.get(a.address) ?? { key: '', by: '' };
  }
  const lastByAddress = new Map<string, { key: string; by: string }>();
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i]!;
    if (a.key !== null) lastByAddress.set(a.address, out[i]!);
    else if (out[i]!.key === '') out[i] = lastByAddress.get(a.address) ?? { key: `${a.address} (no request)`, by: 'address' };
  }
  return out;
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
  l.end = l.end === null || a.end === null ? null : Math.max(l.end, a.end);
  if (l.conns.some((c) => c.end === null)) l.end = null;
}

/** What a logical attempt looks like in the report. */
export function reportAttempt(l: Logical, id: number): ReportAttempt {
  const upgraded = l.conns.find((c) => c.upgradedAt !== undefined);
  const decisive = upgraded ?? l.conns[l.conns.length - 1]!;
  const firstMessageAt = l.conns.find((c) => c.firstMessageAt !== undefined)?.firstMessageAt;
  const first = l.conns.find((c) => c.method !== undefined);
  const faults = [...new Set(l.conns.flatMap((c) => c.faults))];
  let outcome = outcomeOf(decisive);
  if (outcome === 'open' && l.end !== null) outcome = 'closed';
  return {
    id,
    conns: l.conns.map((c) => c.conn),
    start: l.start,
    end: l.end,
    outcome,
    ...(decisive.status !== undefined ? { status: decisive.status } : {}),
    ...(upgraded ? { upgradedAt: upgraded.upgradedAt! } : {}),
    ...(firstMessageAt !== undefined ? { firstMessageAt } : {}),
    ...(decisive.closeCode !== undefined ? { closeCode: decisive.closeCode } : {}),
    ...(decisive.closedBy ? { closedBy: decisive.closedBy } : {}),
    ...(decisive.how ? { how: decisive.how } : {}),
    ...(first ? { method: first.method!, path: first.path! } : {}),
    faults,
  };
}
