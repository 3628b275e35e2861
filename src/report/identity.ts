import type { RequestSeen } from '../events/bus.js';

/**
 * Client identity (SPEC §11): `--client-key SPEC[,SPEC…]`, first match wins. A key is a short
 * string, worked out once per attempt when its first request is seen, so the attempt log keeps
 * no headers (which may hold cookies and tokens).
 */
export type KeySpec = { kind: 'query' | 'header' | 'cookie'; name: string } | { kind: 'subprotocol' } | { kind: 'addr+ua' };

export const DEFAULT_CLIENT_KEY = 'addr+ua';

/** Parses `query:client,addr+ua`; throws with a message a command line can show. */
export function parseClientKey(text: string | readonly string[]): KeySpec[] {
  const parts = (typeof text === 'string' ? text.split(',') : [...text]).map((p) => p.trim()).filter((p) => p.length > 0);
  if (parts.length === 0) throw new Error('--client-key is empty; give query:NAME, header:NAME, cookie:NAME, subprotocol or addr+ua');
  return parts.map((part) => {
    if (part === 'subprotocol' || part === 'addr+ua') return { kind: part };
    const m = /^(query|header|cookie):(.+)$/.exec(part);
    if (!m) throw new Error(`--client-key "${part}" is not one of query:NAME, header:NAME, cookie:NAME, subprotocol, addr+ua`);
    return { kind: m[1] as 'query' | 'header' | 'cookie', name: m[2]! };
  });
}

export const formatSpec = (spec: KeySpec): string => ('name' in spec ? `${spec.kind}:${spec.name}` : spec.kind);

function headerValue(request: RequestSeen, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of request.headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

function queryValue(query: string, name: string): string | undefined {
  if (query.length === 0) return undefined;
  return new URLSearchParams(query).get(name) ?? undefined;
}

function cookieValue(request: RequestSeen, name: string): string | undefined {
  const cookie = headerValue(request, 'cookie');
  if (!cookie) return undefined;
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}

/** The key of one request and the spec that gave it; `addr+ua` always matches. */
export function clientKeyOf(specs: readonly KeySpec[], request: RequestSeen, address: string): { key: string; by: string } {
  for (const spec of specs) {
    let value: string | undefined;
    if (spec.kind === 'query') value = queryValue(request.query, spec.name);
    else if (spec.kind === 'header') value = headerValue(request, spec.name);
    else if (spec.kind === 'cookie') value = cookieValue(request, spec.name);
    else if (spec.kind === 'subprotocol') value = headerValue(request, 'sec-websocket-protocol')?.split(',')[0]?.trim();
    else value = `${address} ${headerValue(request, 'user-agent') ?? '(no user agent)'}`;
    if (value !== undefined && value !== '') return { key: value, by: formatSpec(spec) };
  }
  return { key: `${address} ${headerValue(request, 'user-agent') ?? '(no user agent)'}`, by: 'addr+ua' };
}

/** engine.io (socket.io) marks its requests with EIO=; `sid` ties polling requests and the upgrade of one session. */
export function engineIo(query: string): { sid: string | null } | null {
  if (!query.includes('EIO=')) return null;
  const params = new URLSearchParams(query);
  if (!params.has('EIO')) return null;
  return { sid: params.get('sid') };
}
