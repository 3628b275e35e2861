import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../../app.js';
import Type from '../../schema/type.js';
import { createMetrics } from '../metrics.js';
import { answers } from '../responses.js';

/** GET /metrics: Prometheus text. */
export const metricsRoutes =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    const register = createMetrics(app);
    api.get('/metrics', { schema: { summary: 'Prometheus metrics', response: answers({ 200: Type.String({ description: 'Prometheus text format' }) }) } }, async (_request, reply) => reply.type(register.contentType).send(await register.metrics()));
  };
