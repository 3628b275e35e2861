import { faultByType } from '../faults/index.js';
import type { Match } from './types.js';

/** Match keys that need the request head. */
const HTTP_MATCH_KEYS = ['path', 'headers', 'query'] as const;

interface RawEntry {
  type: string;
  match?: Match;
}

interface RawLists {
  match?: Match;
  faults?: RawEntry[];
  phases?: { faults?: RawEntry[] }[];
}

/**
 * TLS faults are decided at the ClientHello, before any request exists (SPEC §10): their `match`
 * (and the scenario's, when it has TLS faults) may use only `sni`, `client`, `listener` and `connections`. Each other key
 * is an error at its own place in the file.
 */
export function earlyMatchProblems(raw: RawLists, problem: (segments: (string | number)[], message: string) => void): void {
  const lists: [(string | number)[], RawEntry[]][] = [[['faults'], raw.faults ?? []], ...(raw.phases ?? []).map((phase, p): [(string | number)[], RawEntry[]] => [['phases', p, 'faults'], phase.faults ?? []])];
  let early = false;
  for (const [at, faults] of lists) {
    faults.forEach((fault, i) => {
      const layer = faultByType(fault.type)?.layer;
      if (layer !== 'tls') return;
      early = true;
      for (const key of HTTP_MATCH_KEYS.filter((k) => fault.match?.[k] !== undefined)) {
        problem([...at, i, 'match', key], `a ${layer} fault is decided before any HTTP is seen: match only on sni, client, listener or connections, not ${key}`);
      }
    });
  }
  for (const key of early ? HTTP_MATCH_KEYS.filter((k) => raw.match?.[k] !== undefined) : []) {
    problem(['match', key], `this scenario has TLS faults, decided before any HTTP is seen: its match may use only sni, client, listener or connections, not ${key}`);
  }
}
