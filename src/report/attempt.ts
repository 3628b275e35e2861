import type { Outcome } from './schema.js';

/**
 * One accepted TCP connection as the report keeps it (SPEC §11 "Attempts"). Every field exists
 * from the start (undefined until known), so all attempts share one object shape: building the
 * report reads 200 000 of them, and mixed shapes made that 20 times slower.
 */
export interface Attempt {
  conn: string;
  proxy: string;
  address: string;
  start: number;
  end: number | null;
  /** null until a request head was seen (a connection reset at accept has none). */
  key: string | null;
  keyedBy: string | null;
  /** The log's number for `key` (-1 until keyed), which grouping looks up in a table (group.ts). */
  client: number;
  /** Its place in the log: the number of attempts added before it (-1 until added). */
  seq: number;
  method: string | undefined;
  path: string | undefined;
  /** engine.io: `eio` marks its requests, `sid` the session once a request carried one. */
  eio: boolean;
  sid: string | null;
  status: number | undefined;
  http: boolean;
  upgradedAt: number | undefined;
  firstMessageAt: number | undefined;
  closeCode: number | undefined;
  closedBy: 'client' | 'server' | 'proxy' | undefined;
  how: 'close-frame' | 'fin' | 'rst' | undefined;
  /** The TLS handshake with the client failed (`tls.error`, wsfault --tls): no HTTP came of it. */
  tlsError: boolean;
  faults: string[];
}

/** A new attempt with every field present; `fields` fills in what is known (replays, the bench). */
export function newAttempt(conn: string, proxy: string, address: string, start: number, fields: Partial<Attempt> = {}): Attempt {
  const a: Attempt = {
    conn,
    proxy,
    address,
    start,
    end: null,
    key: null,
    keyedBy: null,
    client: -1,
    seq: -1,
    method: undefined,
    path: undefined,
    eio: false,
    sid: null,
    status: undefined,
    http: false,
    upgradedAt: undefined,
    firstMessageAt: undefined,
    closeCode: undefined,
    closedBy: undefined,
    how: undefined,
    tlsError: false,
    faults: [],
  };
  for (const key in fields) (a as unknown as Record<string, unknown>)[key] = (fields as Record<string, unknown>)[key];
  return a;
}

/** The outcome of one connection, from what was seen of it. */
export function outcomeOf(a: Attempt): Outcome {
  if (a.upgradedAt !== undefined) return 'upgraded';
  if (a.status !== undefined) return a.status === 408 ? 'timeout' : 'rejected';
  if (a.http) return 'http';
  // A failed TLS handshake is a TCP/TLS-level failure like a reset: it counts for the merge window.
  if (a.tlsError) return 'tls-error';
  if (a.end === null) return 'open';
  return a.how === 'rst' ? 'reset' : 'closed';
}

/** A connection's id is its proxy's (`c-1` names one connection at each proxy): this names it across proxies. */
export const connKey = (proxy: string, conn: string) => `${proxy}\n${conn}`;
