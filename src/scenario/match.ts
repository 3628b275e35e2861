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
}

/** True when every part of `match` holds for the request (an empty match holds for all). */
export function matches(match: Match | undefined, request: RequestSubject): boolean {
  if (!match) return true;
  if (match.sni !== undefined && !globMatch(match.sni, request.sni ?? '', false)) return false;
  if (match.client !== undefined && !globMatch(match.client, request.client ?? '', false)) return false;
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
