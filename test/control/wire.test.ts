import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { buildControlApi } from '../../src/control/api.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

let wsfault: RunningWsfault | null = null;
let api: FastifyInstance | null = null;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  await api?.close();
  await wsfault?.stop(200);
  api = wsfault = null;
  await closeAll();
});

/**
 * Every answer as the handler returned it (before serialization) and as it went out. Response
 * schemas make Fastify serialize with fast-json-stringify, which writes only the fields a schema
 * names: a field missing from src/wire.ts would vanish from the API without any other test noticing.
 */
async function recordingApi() {
  const echo = await startWsEcho();
  wsfault = await createWsfault({ target: echo.url, seed: 1, api: false, scenario: { name: 'timeline', phases: [{ name: 'calm', duration: '1h', faults: [] }] } });
  api = await buildControlApi(wsfault.app);
  const answers: { route: string; status: number; returned: unknown; sent: string }[] = [];
  let returned: unknown;
  api.addHook('preSerialization', async (_request, _reply, payload) => {
    returned = payload;
    return payload;
  });
  api.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload === 'string' && String(reply.getHeader('content-type')).includes('json')) {
      answers.push({ route: `${request.method} ${request.url}`, status: reply.statusCode, returned, sent: payload });
    }
    returned = undefined;
    return payload;
  });
  return { api, answers, url: wsfault.app.status('default').url };
}

describe('wire shapes', () => {
  it('every JSON answer of every route carries every field the handler returned', async () => {
    const { api, answers, url } = await recordingApi();
    const ws = await openClient(`${url}/chat?room=1`, 'v1.chat');
    clients.push(ws);
    await roundTrip(ws, 'counted');
    const call = async (method: string, path: string, payload?: object) => {
      const response = await api.inject({ method: method as 'GET', url: path, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${path}: ${response.body}`).toBeLessThan(500);
      return response;
    };
    await call('GET', '/health');
    await call('GET', '/version');
    await call('GET', '/faults');
    await call('GET', '/scenarios');
    await call('GET', '/scenarios/flaky-network');
    await call('PUT', '/scenarios/mine', { description: 'mine', faults: [{ type: 'latency', delay: '5ms' }] });
    await call('PUT', '/scenarios/mine', { description: 'again', faults: [] });
    await call('POST', '/proxies/default/faults', { type: 'latency', delay: '10ms', jitter: '1ms', match: { path: '/chat' } });
    await call('GET', '/proxies');
    await call('GET', '/proxies/default');
    await call('GET', '/proxies/default/connections');
    await call('PATCH', '/proxies/default', { enabled: true });
    await call('PUT', '/proxies/default/scenario', { name: 'mine', apply: 'new' });
    await call('POST', '/proxies', { name: 'second', listen: '127.0.0.1:0', target: 'ws://127.0.0.1:1' });
    await call('DELETE', '/proxies/default/scenario');
    await call('GET', '/proxies/nope'); // the error body is a wire shape too
    await call('DELETE', '/proxies/default/connections/c-999');
    await call('DELETE', '/proxies/default/connections?how=rst');
    await call('POST', '/reset');

    const routes = new Set(answers.map((a) => a.route.split('?')[0]!.replace(/\/(mine|flaky-network|nope|c-999)$/, '/:x')));
    expect(routes.size).toBeGreaterThanOrEqual(14);
    for (const answer of answers) {
      expect(JSON.parse(answer.sent), `${answer.route} (${answer.status})`).toEqual(JSON.parse(JSON.stringify(answer.returned)));
    }
    // The connection listed above is the client's, with every field set.
    const listed = answers.find((a) => a.route === 'GET /proxies/default/connections')!;
    expect(JSON.parse(listed.sent)).toEqual([
      expect.objectContaining({ path: '/chat', subprotocol: 'v1.chat', state: 'websocket', messages: { up: 1, down: 1 }, client: { address: '127.0.0.1', port: expect.any(Number) } }),
    ]);
    expect(JSON.parse(answers.find((a) => a.route === 'GET /proxies/default')!.sent)).toMatchObject({ phase: 'calm', faults: [{ params: { delay: 10, jitter: 1 } }] });
  });

  it('the OpenAPI document declares a success answer for every route and names the wire shapes', async () => {
    const { api } = await recordingApi();
    const document = (await api.inject({ url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string; content?: Record<string, { schema: object }> }> }>>;
      components: { schemas: Record<string, object> };
    };
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['ConnectionInfo', 'ProxyView', 'FaultView', 'ErrorBody', 'Event']));
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const { path, method, operation } of operations) {
      const success = Object.entries(operation.responses).filter(([status]) => /^2\d\d$/.test(status));
      expect(success.length, `${method} ${path}`).toBeGreaterThan(0);
      for (const [status, response] of success) {
        if (status !== '204') expect(response.content, `${method} ${path} ${status}`).toBeDefined();
      }
      expect(operation.responses['4XX']?.content?.['application/json']?.schema, `${method} ${path}`).toMatchObject({ properties: { error: expect.any(Object) } });
    }
    const connections = document.paths['/proxies/{name}/connections']!.get!.responses['200']!.content!['application/json']!.schema;
    expect(connections).toMatchObject({ type: 'array', items: { required: expect.arrayContaining(['id', 'client', 'state', 'bytes', 'messages', 'faults']) } });
  });
});

describe('response schemas', () => {
  it('have no anyOf/oneOf, which would make fast-json-stringify compile an ajv validator at the first answer', async () => {
    const wire = await import('../../src/wire.js');
    const unions: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      if (!schema || typeof schema !== 'object') return;
      for (const [key, value] of Object.entries(schema)) {
        if (key === 'anyOf' || key === 'oneOf') unions.push(`${path}.${key}`);
        walk(value, `${path}.${key}`);
      }
    };
    // The events' union is the SSE stream's documentation, written by the events route itself.
    for (const [name, schema] of Object.entries(wire)) if (name !== 'EventSchema' && name !== 'EventSchemas') walk(schema, name);
    expect(unions).toEqual([]);
    expect(wire.ProxyView.properties.phase).toMatchObject({ type: ['string', 'null'] });
  });
});
