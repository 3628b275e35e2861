import type { FastifyPluginAsync } from 'fastify';
import Type from '../../schema/type.js';
import { KILL_DEFAULTS, PASSTHROUGH, type App, type FaultEntry } from '../../app.js';
import { WsfaultError } from '../../errors.js';
import type { CloseHow, KillOptions } from '../../proxy/connection.js';
import type { ApplyMode } from '../../scenario/engine.js';
import { ConnectionInfo, FaultView, Killed, ProxyView } from '../../wire.js';
import { apiError } from '../errors.js';
import { answers, NoContent } from '../responses.js';

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100 });
const ProxyParams = Type.Object({ name: Name });
const Apply = Type.Unsafe<ApplyMode>({ type: 'string', enum: ['all', 'new'], default: 'all', description: 'all: open connections too; new: only new ones' });

const CreateProxy = Type.Object(
  { name: Name, listen: Type.String(), target: Type.String(), scenario: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const PatchProxy = Type.Object(
  { target: Type.Optional(Type.String()), scenario: Type.Optional(Type.String()), enabled: Type.Optional(Type.Boolean()), apply: Type.Optional(Apply) },
  { additionalProperties: false, minProperties: 1 },
);
const UseScenario = Type.Object(
  { name: Type.Optional(Type.String()), scenario: Type.Optional(Type.Object({}, { additionalProperties: true })), apply: Type.Optional(Apply) },
  { additionalProperties: false },
);
const KillQuery = Type.Object(
  {
    how: Type.Optional(Type.Unsafe<CloseHow>({ type: 'string', enum: ['close-frame', 'fin', 'rst'], default: KILL_DEFAULTS.how })),
    code: Type.Optional(Type.Integer({ minimum: 1000, maximum: 4999, default: KILL_DEFAULTS.code })),
    reason: Type.Optional(Type.String({ maxLength: 123 })),
  },
  { additionalProperties: false },
);

/** Reports what the App refused in a body (a scenario, fault, target, listen address) as a 400 with details. */
function asBodyError<T>(operation: () => T): T {
  const rethrow = (error: unknown): never => {
    if (error instanceof WsfaultError && error.code !== 'WSFAULT_NOT_FOUND') {
      throw apiError('WSFAULT_INVALID_BODY', error.message, error.details.length > 0 ? error.details : [{ message: error.message }]);
    }
    throw error;
  };
  try {
    const result = operation();
    return (result instanceof Promise ? result.catch(rethrow) : result) as T;
  } catch (error) {
    return rethrow(error);
  }
}

/** /proxies and everything below it, and POST /reset: adapters over the App's operations. */
export const proxyRoutes =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    type Named = { Params: { name: string } };
    type KillRequest = { Querystring: Partial<KillOptions> };

    api.get('/proxies', { schema: { summary: 'every proxy', response: answers({ 200: Type.Array(ProxyView) }) } }, async () => app.status());

    api.post<{ Body: { name: string; listen: string; target: string; scenario?: string } }>(
      '/proxies',
      { schema: { summary: 'start another proxy', body: CreateProxy, response: answers({ 201: ProxyView }) } },
      async (request, reply) => reply.status(201).send(await asBodyError(() => app.addProxy(request.body))),
    );

    api.get<Named>('/proxies/:name', { schema: { summary: 'one proxy', params: ProxyParams, response: answers({ 200: ProxyView }) } }, async (request) =>
      app.status(request.params.name),
    );

    api.patch<Named & { Body: { target?: string; scenario?: string; enabled?: boolean; apply?: ApplyMode } }>(
      '/proxies/:name',
      { schema: { summary: 'change target, scenario or enabled', params: ProxyParams, body: PatchProxy, response: answers({ 200: ProxyView }) } },
      async (request) => {
        const { name } = request.params;
        const { target, scenario, enabled, apply } = request.body;
        let view = app.status(name);
        if (target !== undefined) view = asBodyError(() => app.setTarget(name, target));
        if (scenario !== undefined) view = asBodyError(() => app.use(name, scenario, { apply }));
        if (enabled !== undefined) view = await app.setEnabled(name, enabled);
        return view;
      },
    );

    api.delete<Named>('/proxies/:name', { schema: { summary: 'stop and remove a proxy', params: ProxyParams, response: answers({ 204: NoContent }) } }, async (request, reply) => {
      await app.removeProxy(request.params.name);
      return reply.status(204).send();
    });

    api.put<Named & { Body: { name?: string; scenario?: object; apply?: ApplyMode } }>(
      '/proxies/:name/scenario',
      { schema: { summary: 'switch scenario: {name} or {scenario: {...}}, apply all|new', params: ProxyParams, body: UseScenario, response: answers({ 200: ProxyView }) } },
      async (request) => {
        const { name, scenario, apply } = request.body;
        app.status(request.params.name); // an unknown proxy is a 404 before the body is looked at
        if (!scenario && !name) throw apiError('WSFAULT_INVALID_BODY', 'give a scenario name ({"name": "…"}) or an inline scenario ({"scenario": {…}})');
        return asBodyError(() => app.use(request.params.name, scenario ?? name!, { apply, where: 'body.scenario' }));
      },
    );

    api.delete<Named>('/proxies/:name/scenario', { schema: { summary: 'back to passthrough', params: ProxyParams, response: answers({ 200: ProxyView }) } }, async (request) =>
      app.use(request.params.name, PASSTHROUGH),
    );

    api.post<Named & { Body: FaultEntry }>(
      '/proxies/:name/faults',
      {
        schema: {
          summary: 'add a fault on top of the scenario (a fault entry as in a scenario file)',
          params: ProxyParams,
          body: Type.Object({ type: Type.String() }, { additionalProperties: true }),
          response: answers({ 201: FaultView }),
        },
      },
      async (request, reply) => {
        app.status(request.params.name);
        return reply.status(201).send(asBodyError(() => app.addFault(request.params.name, request.body, { where: 'body' })));
      },
    );

    api.delete<{ Params: { name: string; id: string } }>(
      '/proxies/:name/faults/:id',
      { schema: { summary: 'remove an ad-hoc fault', params: Type.Object({ name: Name, id: Type.String() }), response: answers({ 204: NoContent }) } },
      async (request, reply) => {
        app.removeFault(request.params.name, request.params.id);
        return reply.status(204).send();
      },
    );

    api.get<Named>('/proxies/:name/connections', { schema: { summary: 'open connections', params: ProxyParams, response: answers({ 200: Type.Array(ConnectionInfo) }) } }, async (request) =>
      app.connections(request.params.name),
    );

    api.delete<{ Params: { name: string; id: string } } & KillRequest>(
      '/proxies/:name/connections/:id',
      {
        schema: {
          summary: 'kill one connection: ?how=close-frame&code=1001 (default), fin, rst',
          params: Type.Object({ name: Name, id: Type.String() }),
          querystring: KillQuery,
          response: answers({ 202: Killed }),
        },
      },
      async (request, reply) => {
        const killed = app.kill(request.params.name, request.params.id, request.query);
        if (killed.length === 0) throw apiError('WSFAULT_NOT_FOUND', `no open connection "${request.params.id}"`);
        return reply.status(202).send({ killed });
      },
    );

    api.delete<Named & KillRequest>(
      '/proxies/:name/connections',
      { schema: { summary: 'kill every connection', params: ProxyParams, querystring: KillQuery, response: answers({ 202: Killed }) } },
      async (request, reply) => reply.status(202).send({ killed: app.kill(request.params.name, 'all', request.query) }),
    );

    api.post('/reset', { schema: { summary: 'every proxy back to passthrough, ad-hoc faults removed', response: answers({ 200: Type.Array(ProxyView) }) } }, async () => app.reset());
  };
