import type { Attempt } from './attempt.js';

/**
 * Grouping for the report (SPEC §11), built for 200 000 attempts: attempts are grouped by client
 * once (one Map lookup each, then a counting sort into an index array of positions).
 */
export interface Grouped {
  /** The attempts in start order. */
  sorted: readonly Attempt[];
  /** Indices into `sorted`, client after client, each client's in start order. */
  order: Int32Array;
  clients: { key: string; keyedBy: string; from: number; to: number }[];
}

/** What the caller knows already (the attempt log keeps both): the checks they spare are passes over every attempt. */
export interface GroupHints {
  sorted: boolean;
  keyed: boolean;
  /** Numbers the log gave keys so far (Attempt.client is below it), when the attempts come from a log. */
  ids?: number;
}

export function groupByClient(attempts: readonly Attempt[], hints: GroupHints = { sorted: false, keyed: false }): Grouped {
  let inOrder = true;
  if (!hints.sorted) for (let i = 1; i < attempts.length && inOrder; i++) inOrder = attempts[i - 1]!.start <= attempts[i]!.start;
  const sorted = inOrder ? attempts : [...attempts].sort((a, b) => a.start - b.start);
  const n = sorted.length;
  const { keys, by } = hints.keyed ? { keys: null, by: null } : resolveKeys(sorted);
  const index = new Map<string, number>();
  const clients: Grouped['clients'] = [];
  const clientOf = new Int32Array(n);
  const counts: number[] = [];
  const add = (i: number): number => {
    const key = keys === null ? sorted[i]!.key! : keys[i]!;
    let c = index.get(key);
    if (c === undefined) {
      c = clients.length;
      index.set(key, c);
      clients.push({ key, keyedBy: by === null ? sorted[i]!.keyedBy! : by[i]!, from: 0, to: 0 });
      counts.push(0);
    }
    return c;
  };
  // The log's numbers for keys, when every attempt has one and the table stays small: the key
  // is looked up once per number, not once per attempt (a Map lookup on a cache-cold string each).
  const ids = hints.ids ?? 0;
  if (keys === null && ids > 0 && ids <= 4 * n + 65_536) {
    const table = new Int32Array(ids).fill(-1);
    for (let i = 0; i < n; i++) {
      const id = sorted[i]!.client;
      let c = id >= 0 ? table[id]! : -1;
      if (c < 0) {
        c = add(i);
        if (id >= 0) table[id] = c;
      }
      clientOf[i] = c;
      counts[c]!++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const c = add(i);
      clientOf[i] = c;
      counts[c]!++;
    }
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

