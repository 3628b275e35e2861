/**
 * WsfaultClient: drives a running wsfault over its control API (SPEC §5), typed, on fetch.
 *
 *   const client = new WsfaultClient('http://127.0.0.1:7879');
 *   await client.use('server-restart-1012');
 *   for await (const event of client.events(['connection.close'])) console.log(event);
 */
// Types only: the client ships no schema code, and its declarations reach nothing under proxy/.
import type { ConnectionInfo, EventType, FaultType, FaultView, Health, Killed, ProxyHealth, ProxyView, ScenarioSummary, WsfaultEvent } from '../wire.js';

import type { Report } from '../report/schema.js';

export type { ConnectionInfo, EventType, FaultType, FaultView, Health, Killed, ProxyHealth, ProxyView, ScenarioSummary, WsfaultEvent, Report };

/** An error answer of the API, with its WSFAULT_* code and details. */
export class WsfaultApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'WsfaultApiError';
  }
}

export interface ClientOptions {
  token?: string;
  /** The proxy most calls act on (default `default`, the one started from the command line). */
  proxy?: string;
}

export class WsfaultClient {
  readonly baseUrl: string;
  private readonly token?: string;
  private readonly proxy: string;

  constructor(baseUrl = 'http://127.0.0.1:7879', options: ClientOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.token = options.token;
    this.proxy = options.proxy ?? 'default';
  }

  /** Readiness: `status` ok once every proxy listens; a 503 answers too (`status` unavailable, `down` names them). */
  health = async (): Promise<Health> => (await this.raw('GET', '/health', undefined, undefined, [503])).json() as Promise<Health>;
  version = () => this.request<{ version: string }>('GET', '/version');
  faults = () => this.request<FaultType[]>('GET', '/faults');
  scenarios = () => this.request<ScenarioSummary[]>('GET', '/scenarios');
  scenario = (name: string) => this.request<object>('GET', `/scenarios/${encodeURIComponent(name)}`);
  putScenario = (name: string, scenario: object | string) => this.request<ScenarioSummary>('PUT', `/scenarios/${encodeURIComponent(name)}`, scenario);
  deleteScenario = (name: string) => this.request<void>('DELETE', `/scenarios/${encodeURIComponent(name)}`);
  proxies = () => this.request<ProxyView[]>('GET', '/proxies');
  status = (proxy = this.proxy) => this.request<ProxyView>('GET', `/proxies/${proxy}`);
  createProxy = (body: { name: string; listen: string; target: string; scenario?: string }) => this.request<ProxyView>('POST', '/proxies', body);
  patchProxy = (body: { target?: string; scenario?: string; enabled?: boolean }, proxy = this.proxy) => this.request<ProxyView>('PATCH', `/proxies/${proxy}`, body);
  deleteProxy = (proxy: string) => this.request<void>('DELETE', `/proxies/${proxy}`);

  /** Switches scenario: a name from the library, or an inline scenario object. */
  use = (scenario: string | object, options: { apply?: 'all' | 'new'; proxy?: string } = {}) =>
    this.request<ProxyView>('PUT', `/proxies/${options.proxy ?? this.proxy}/scenario`, {
      ...(typeof scenario === 'string' ? { name: scenario } : { scenario }),
      ...(options.apply ? { apply: options.apply } : {}),
    });
  passthrough = (proxy = this.proxy) => this.request<ProxyView>('DELETE', `/proxies/${proxy}/scenario`);
  addFault = (fault: { type: string; [field: string]: unknown }, proxy = this.proxy) => this.request<FaultView>('POST', `/proxies/${proxy}/faults`, fault);
  removeFault = (id: string, proxy = this.proxy) => this.request<void>('DELETE', `/proxies/${proxy}/faults/${encodeURIComponent(id)}`);
  connections = (proxy = this.proxy) => this.request<ConnectionInfo[]>('GET', `/proxies/${proxy}/connections`);

  /** Kills one connection or all: by Close frame with a code (default 1001), FIN or RST. */
  kill = (id: string | 'all', options: { how?: 'close-frame' | 'fin' | 'rst'; code?: number; proxy?: string } = {}) => {
    const query = new URLSearchParams();
    if (options.how) query.set('how', options.how);
    if (options.code !== undefined) query.set('code', String(options.code));
    const q = query.size > 0 ? `?${query}` : '';
    const base = `/proxies/${options.proxy ?? this.proxy}/connections`;
    return this.request<Killed>('DELETE', id === 'all' ? `${base}${q}` : `${base}/${encodeURIComponent(id)}${q}`);
  };
  reset = () => this.request<ProxyView[]>('POST', '/reset');
  metrics = async () => (await this.raw('GET', '/metrics')).text();
  /** The reconnect report (SPEC §11) as JSON. */
  report = () => this.request<Report>('GET', '/report');
  /** The report as Markdown or JUnit XML text. */
  reportText = async (format: 'md' | 'junit') => (await this.raw('GET', '/report', undefined, undefined, [], format === 'md' ? 'text/markdown' : 'application/xml')).text();
  /** Starts a fresh measurement (POST /report/reset). */
  resetReport = () => this.request<void>('POST', '/report/reset');

  /** The live event stream (SSE), as an async iterator; stop it with `break` or `return()`. */
  async *events(types?: EventType[], signal?: AbortSignal): AsyncGenerator<WsfaultEvent> {
    const controller = new AbortController();
    signal?.addEventListener('abort', () => controller.abort());
    const response = await this.raw('GET', `/events${types ? `?types=${types.join(',')}` : ''}`, undefined, controller.signal);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data) yield JSON.parse(data) as WsfaultEvent;
        }
      }
    } finally {
      controller.abort();
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.raw(method, path, body);
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }

  private async raw(method: string, path: string, body?: unknown, signal?: AbortSignal, answers: number[] = [], accept?: string): Promise<Response> {
    const headers: Record<string, string> = accept ? { accept } : {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = typeof body === 'string' ? 'application/yaml' : 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload, signal });
    if (response.ok || answers.includes(response.status)) return response;
    const text = await response.text();
    let error: { code?: string; message?: string; details?: unknown[] } = {};
    try {
      error = (JSON.parse(text) as { error: typeof error }).error ?? {};
    } catch {
      // not our error shape: keep the text
    }
    throw new WsfaultApiError(response.status, error.code ?? `HTTP_${response.status}`, error.message ?? text, error.details ?? []);
  }
}
