import type { FastifyPluginAsync } from 'fastify';
import Type from '../../schema/type.js';
import type { App } from '../../app.js';
import { echoPage } from '../../echo/page.js';
import { apiError } from '../errors.js';
import { answers } from '../responses.js';

/**
 * GET /echo: the echo test page, served here rather than through the proxy, so loading it is no
 * client of the proxy (under refuse-first-3 a page load there would use up a refusal). Its
 * WebSocket goes to the proxy's port on the host the page was loaded from; `?proxy=NAME` picks
 * the proxy (default: the first), `?ws=URL` any other address.
 */
export const echoPageRoute =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    api.get<{ Querystring: { proxy?: string; ws?: string } }>(
      '/echo',
      {
        schema: {
          summary: 'the echo test page: a browser WebSocket through a proxy (?proxy=NAME)',
          querystring: Type.Object({ proxy: Type.Optional(Type.String()), ws: Type.Optional(Type.String()) }, { additionalProperties: false }),
          response: answers({ 200: Type.String({ description: 'text/html' }) }),
        },
      },
      async (request, reply) => {
        const proxy = request.query.proxy ? app.status(request.query.proxy) : app.status()[0];
        if (!proxy) throw apiError('WSFAULT_NOT_FOUND', 'no proxy to open a WebSocket through');
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(echoPage(Number(new URL(proxy.url).port)));
      },
    );
  };
