import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Type from '../schema/type.js';
import type { App } from '../app.js';
import { VERSION } from '../version.js';
import { ConnectionInfo, ErrorBody, EventSchema, FaultType, FaultView, Health, Killed, ProxyView, ScenarioSummary, Version } from '../wire.js';
import { installErrorHandler } from './errors.js';
import { answers } from './responses.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { echoPageRoute } from './routes/echo-page.js';
import { tlsRoutes } from './routes/tls.js';
import { eventRoutes } from './routes/events.js';
import { metricsRoutes } from './routes/metrics.js';
import { proxyRoutes } from './routes/proxies.js';
import { reportRoutes } from './routes/report.js';
import type { Reporter } from '../report/reporter.js';
import { scenarioRoutes } from './routes/scenarios.js';
import { installSecurity, type SecurityOptions } from './security.js';

export interface ControlApiOptions extends SecurityOptions {
  /** Largest request body (scenario uploads). */
  bodyLimit?: number;
  /** The reconnect report behind GET /report (absent: no such route). */
  report?: Reporter;
}

/**
 * The control API (SPEC §5) as a Fastify instance that is built apart from listening, so tests
 * drive it with inject() and the CLI and startWsfault() listen on it.
 */
export async function buildControlApi(app: App, options: ControlApiOptions = {}): Promise<FastifyInstance> {
  // Strict bodies: an unknown field is an error (Fastify would silently drop it by default).
  const api = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024, ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } } });
  // Scenario bodies may be YAML; the route parses and validates them.
  api.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  installErrorHandler(api);
  installSecurity(api, options);
  await api.register(swagger, {
    openapi: {
      info: { title: 'wsfault control API', version: VERSION, description: 'Switch scenarios, add faults, list and kill connections, stream events.' },
      components: {
        // The wire shapes by name, for readers of the document and for client generators.
        schemas: { ConnectionInfo, ProxyView, FaultView, FaultType, ScenarioSummary, Killed, ErrorBody, Event: EventSchema } as Record<string, object>,
        ...(options.token ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
      },
      ...(options.token ? { security: [{ bearer: [] }] } : {}),
    },
  });
  await api.register(swaggerUi, { routePrefix: '/docs' });

  api.get(
    '/health',
    { schema: { summary: 'readiness: 200 once every proxy listens, else 503 naming those that do not (probe this, never a proxy port)', response: answers({ 200: Health, 503: Health }) } },
    async (_request, reply) => {
      const health = app.readiness();
      return reply.status(health.status === 'ok' ? 200 : 503).send(health);
    },
  );
  api.get('/version', { schema: { summary: 'the wsfault version', response: answers({ 200: Version }) } }, async () => ({ version: VERSION }));
  api.get('/openapi.json', { schema: { hide: true, response: answers({ 200: Type.Unknown() }) } }, async () => api.swagger());
  await api.register(scenarioRoutes(app));
  await api.register(proxyRoutes(app));
  await api.register(eventRoutes(app));
  await api.register(metricsRoutes(app));
  await api.register(echoPageRoute(app));
  await api.register(dashboardRoutes);
  if (options.report) await api.register(reportRoutes(options.report));
  await api.register(tlsRoutes(app));
  return api;
}
