import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { App, RunningProxy } from '../../app.js';
import { WsfaultError } from '../../errors.js';
import { parseTarget } from '../../proxy/address.js';
import type { CloseHow } from '../../proxy/connection.js';
import type { ApplyMode } from '../../scenario/engine.js';
import { loadScenarioObject } from '../../scenario/load.js';
import type { FaultSpec } from '../../scenario/types.js';
import { apiError } from '../errors.js';
import { proxyView } from '../views.js';

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
    how: Type.Optional(Type.Unsafe<CloseHow>({ type: 'string', enum: ['close-frame', 'fin', 'rst'], default: 'close-frame' })),
    code: Type.Optional(Type.Integer({ minimum: 1000, maximum: 4999, default: 1001 })),
    reason: Type.Optional(Type.String({ maxLength: 123 })),
  },
  { additionalProperties: false },
);

/** Wraps validation failures of scenarios and faults as 400s with their details. */
function asBodyError<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof WsfaultError && error.code !== 'WSFAULT_NOT_FOUND') {
      throw apiError('WSFAULT_INVALID_BODY', error.message, error.details.length > 0 ? error.details : [{ message: error.message }]);
    }
    throw error;
  }
}

/** /proxies and everything below it, and POST /reset. */
export const proxyRoutes =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    const running = (name: string): RunningProxy => {
      const proxy = app.proxies.get(name);
      if (!proxy) throw apiError('WSFAULT_NOT_FOUND', `no proxy named "${name}"`);
      return proxy;
    };
    const resolveScenario = (nameOrInline: { name?: string; scenario?: object }) => {
      if (nameOrInline.scenario) return asBodyError(() => loadScenarioObject(nameOrInline.scenario, 'body.scenario', { source: 'api' }));
      if (!nameOrInline.name) throw apiError('WSFAULT_INVALID_BODY', 'give a scenario name ({"name": "…"}) or an inline scenario ({"scenario": {…}})');
      return asBodyError(() => app.library.resolve(nameOrInline.name!));
    };

    api.get('/proxies', { schema: { summary: 'every proxy' } }, async () => [...app.proxies.values()].map(proxyView));

    api.post<{ Body: { name: string; listen: string; target: string; scenario?: string } }>(
      '/proxies',
      { schema: { summary: 'start another proxy', body: CreateProxy } },
      async (request, reply) => {
        try {
          return reply.status(201).send(proxyView(await app.addProxy(request.body)));
        } catch (error) {
          return asBodyError(() => {
            throw error;
          });
        }
      },
    );

    api.get<{ Params: { name: string } }>('/proxies/:name', { schema: { summary: 'one proxy', params: ProxyParams } }, async (request) => proxyView(running(request.params.name)));

    api.patch<{ Params: { name: string }; Body: { target?: string; scenario?: string; enabled?: boolean; apply?: ApplyMode } }>(
      '/proxies/:name',
      { schema: { summary: 'change target, scenario or enabled', params: ProxyParams, body: PatchProxy } },
      async (request) => {
        const proxy = running(request.params.name);
        const { target, scenario, enabled, apply } = request.body;
        if (target !== undefined) proxy.proxy.setTarget(asBodyError(() => parseTarget(target)));
        if (scenario !== undefined) app.use(proxy.proxy.name, resolveScenario({ name: scenario }), apply);
        if (enabled !== undefined) await proxy.proxy.setEnabled(enabled);
        return proxyView(proxy);
      },
    );

    api.delete<{ Params: { name: string } }>('/proxies/:name', { schema: { summary: 'stop and remove a proxy', params: ProxyParams } }, async (request, reply) => {
      running(request.params.name);
      await app.removeProxy(request.params.name);
      return reply.status(204).send();
    });

    api.put<{ Params: { name: string }; Body: { name?: string; scenario?: object; apply?: ApplyMode } }>(
      '/proxies/:name/scenario',
      { schema: { summary: 'switch scenario: {name} or {scenario: {...}}, apply all|new', params: ProxyParams, body: UseScenario } },
      async (request) => {
        const proxy = running(request.params.name);
        app.use(proxy.proxy.name, resolveScenario(request.body), request.body.apply ?? 'all');
        return proxyView(proxy);
      },
    );

    api.delete<{ Params: { name: string } }>('/proxies/:name/scenario', { schema: { summary: 'back to passthrough', params: ProxyParams } }, async (request) => {
      const proxy = running(request.params.name);
      app.use(proxy.proxy.name, app.library.get('passthrough'));
      return proxyView(proxy);
    });

    api.post<{ Params: { name: string }; Body: Record<string, unknown> }>(
      '/proxies/:name/faults',
      { schema: { summary: 'add a fault on top of the scenario (a fault entry as in a scenario file)', params: ProxyParams, body: Type.Object({ type: Type.String() }, { additionalProperties: true }) } },
      async (request, reply) => {
        const proxy = running(request.params.name);
        const taken = new Set(proxy.engine.adhocFaults.map((f) => f.name));
        let n = 1;
        while (taken.has(`adhoc-${request.body.type}-${n}`)) n++;
        const entry = { name: `adhoc-${request.body.type}-${n}`, ...request.body };
        const scenario = asBodyError(() => loadScenarioObject({ name: 'adhoc', faults: [entry] }, 'body', { source: 'api' }));
        const spec: FaultSpec = scenario.phases[0]!.faults[0]!;
        proxy.engine.addFault(spec);
        return reply.status(201).send({ id: spec.name, name: spec.name, type: spec.type, params: spec.params });
      },
    );

    api.delete<{ Params: { name: string; id: string } }>(
      '/proxies/:name/faults/:id',
      { schema: { summary: 'remove an ad-hoc fault', params: Type.Object({ name: Name, id: Type.String() }) } },
      async (request, reply) => {
        if (!running(request.params.name).engine.removeFault(request.params.id)) throw apiError('WSFAULT_NOT_FOUND', `no ad-hoc fault "${request.params.id}"`);
        return reply.status(204).send();
      },
    );

    api.get<{ Params: { name: string } }>('/proxies/:name/connections', { schema: { summary: 'open connections', params: ProxyParams } }, async (request) =>
      running(request.params.name).proxy.list(),
    );

    api.delete<{ Params: { name: string; id: string }; Querystring: { how?: CloseHow; code?: number; reason?: string } }>(
      '/proxies/:name/connections/:id',
      { schema: { summary: 'kill one connection: ?how=close-frame&code=1001 (default), fin, rst', params: Type.Object({ name: Name, id: Type.String() }), querystring: KillQuery } },
      async (request, reply) => {
        const { how = 'close-frame', code = 1001, reason = '' } = request.query;
        if (!running(request.params.name).proxy.kill(request.params.id, { how, code, reason })) throw apiError('WSFAULT_NOT_FOUND', `no open connection "${request.params.id}"`);
        return reply.status(202).send({ killed: [request.params.id] });
      },
    );

    api.delete<{ Params: { name: string }; Querystring: { how?: CloseHow; code?: number; reason?: string } }>(
      '/proxies/:name/connections',
      { schema: { summary: 'kill every connection', params: ProxyParams, querystring: KillQuery } },
      async (request, reply) => {
        const { how = 'close-frame', code = 1001, reason = '' } = request.query;
        const proxy = running(request.params.name).proxy;
        const ids = [...proxy.connections.keys()];
        proxy.killAll({ how, code, reason });
        return reply.status(202).send({ killed: ids });
      },
    );

    api.post('/reset', { schema: { summary: 'every proxy back to passthrough, ad-hoc faults removed' } }, async () => {
      for (const proxy of app.proxies.values()) {
        proxy.engine.clearFaults();
        app.use(proxy.proxy.name, app.library.get('passthrough'));
      }
      return [...app.proxies.values()].map(proxyView);
    });
  };
