import { globMatch } from './glob.js';
import type { Match } from './types.js';

/** What a connection is matched on, once its request head is known. */
export interface RequestSubject {
  path: string;
  query: string;
  headers: [string, string][];
  /** The TLS server name the client asked for (absent: no TLS, or no SNI). */
  sni?: string;
  /** The client's IP address. */
  client?: string;
  /** The proxy the connection arrived at: its name and its listen address HOST:PORT. */
  listener?: readonly string[];
  /** The connection's ordinal on its proxy, from 1 (the N of its id c-N). */
  ordinal?: number;
}

/** Whether `ordinal` lies in a range written "2", "2-4" or "5-" (the schema checked its form). */
export function inOrdinalRange(range: string, ordinal: number | undefined): boolean {
  if (ordinal === undefined) return false;
  const [from, to] = range.split('-');
  const low = Number(from);
  const high = to === undefined ? low : to === '' ? Infinity : Number(to);
  return ordinal >= low && ordinal <= high;
}

/** True when every part of `match` holds for the request (an empty match holds for all). */
export function matches(match: Match | undefined, request: RequestSubject): boolean {
  if (!match) return true;
  if (match.sni !== undefined && !globMatch(match.sni, request.sni ?? '', false)) return false;
  if (match.client !== undefined && !globMatch(match.client, request.client ?? '', false)) return false;
  if (match.listener !== undefined && !(request.listener ?? []).some((name) => globMatch(match.listener!, name, false))) return false;
  if (match.connections !== undefined && !inOrdinalRange(match.connections, request.ordinal)) return false;
  if (match.path !== undefined && !globMatch(match.path, request.path)) return false;
  if (match.headers) {
    for (const [name, glob] of Object.entries(match.headers)) {
      const lower = name.toLowerCase();
      const values = request.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
      if (!values.some((v) => globMatch(glob, v, false))) return false;
    }
  }
  if (match.query) {
    const params = new URLSearchParams(request.query);
    for (const [name, glob] of Object.entries(match.query)) {
      const values = params.getAll(name);
      if (!values.some((v) => globMatch(glob, v, false))) return false;
    }
  }
  return true;
}
