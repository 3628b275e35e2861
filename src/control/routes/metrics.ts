import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app.js';
import { createMetrics } from '../metrics.js';

/** GET /metrics: Prometheus text. */
export const metricsRoutes =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    const register = createMetrics(app);
    api.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_request, reply) => reply.type(register.contentType).send(await register.metrics()));
  };
