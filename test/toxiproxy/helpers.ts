import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';

/** A wsfault with only the Toxiproxy API on (loopback, free port) and a fixed seed. */
export async function startWithToxiproxy(seed = 7): Promise<{ wsfault: RunningWsfault; url: string }> {
  const wsfault = await createWsfault({ api: false, toxiproxyApi: '127.0.0.1:0', seed });
  return { wsfault, url: wsfault.toxiproxyUrl! };
}

export interface Raw {
  status: number;
  type: string | null;
  text: string;
  body: unknown;
}

/** One HTTP call as any Toxiproxy client makes it. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Raw> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, type: res.headers.get('content-type'), text, body: parsed };
}
