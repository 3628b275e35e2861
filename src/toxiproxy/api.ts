/**
 * Toxiproxy 2.x's REST API (SPEC §12) as a second Fastify instance: the routes of Toxiproxy's
 * api.go with its status codes, bodies and headers, over ToxiproxyService. Plus one addition,
 * GET /toxics/types, which lists the toxic types including the `ws.*` faults.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { App } from '../app.js';
import { VERSION } from '../version.js';
import { ERRORS, errorBody, ToxiError } from './errors.js';
import { registerToxiproxyFaults } from './faults.js';
import { asToxiError, ToxiproxyService } from './service.js';
import { toxicTypes } from './types.js';

/** What GET /version says: Toxiproxy's API version, with wsfault's as build metadata (semver ignores it). */
export const TOXIPROXY_VERSION = `2.12.0+wsfault.${VERSION}`;

const ROUTES = [/^\/reset$/, /^\/proxies$/, /^\/populate$/, /^\/proxies\/[^/]+$/, /^\/proxies\/[^/]+\/toxics$/, /^\/proxies\/[^/]+\/toxics\/[^/]+$/, /^\/version$/, /^\/toxics\/types$/];

/** The body as Go's json.Decoder sees it: nothing is EOF, bad JSON is a 400. */
function decode(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') throw ERRORS.badRequestBody.with('EOF');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw ERRORS.badRequestBody.with((error as Error).message);
  }
}

function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
}

function noContent(reply: FastifyReply): FastifyReply {
  return reply.status(204).send();
}

export function buildToxiproxyApi(app: App): FastifyInstance {
  registerToxiproxyFaults();
  const service = new ToxiproxyService(app);
  const api = Fastify({ logger: false, exposeHeadRoutes: false, bodyLimit: 1024 * 1024 });
  api.removeAllContentTypeParsers();
  api.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  api.addHook('onRequest', async (request, reply) => {
    reply.header('X-Toxiproxy-Request-Id', randomBytes(10).toString('hex'));
    // Toxiproxy's CSRF defence: no browser may drive the API.
    if ((request.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      return reply.status(403).type('text/plain; charset=utf-8').header('X-Content-Type-Options', 'nosniff').send('User agent not allowed\n');
    }
  });
  api.setErrorHandler((error, _request, reply) => {
    const toxi = error instanceof ToxiError ? error : asToxiError(error);
    return reply.status(toxi.status).type('text/plain; charset=utf-8').header('X-Content-Type-Options', 'nosniff').send(errorBody(toxi));
  });
  api.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    // gorilla/mux: a known path with another method is a 405 without a body.
    if (ROUTES.some((r) => r.test(path))) return reply.status(405).send();
    return reply.status(404).type('text/plain; charset=utf-8').header('X-Content-Type-Options', 'nosniff').send('404 page not found\n');
  });

  type P = { Params: { proxy: string } };
  type T = { Params: { proxy: string; toxic: string } };
  api.get('/version', async (_req, reply) => reply.type('application/json;charset=utf-8').send(`{"version": "${TOXIPROXY_VERSION}"}\n`));
  api.post('/reset', async (_req, reply) => {
    await service.reset();
    return noContent(reply);
  });
  api.get('/proxies', async (_req, reply) => json(reply, 200, service.all()));
  api.post('/proxies', async (req, reply) => json(reply, 201, await service.create(decode(req.body))));
  api.post('/populate', async (req, reply) => {
    const { proxies, error } = await service.populate(decode(req.body));
    if (!error) return json(reply, 201, { proxies });
    return json(reply, error.status, { error: error.message, status: error.status, proxies });
  });
  api.get<P>('/proxies/:proxy', async (req, reply) => json(reply, 200, service.proxyJson(service.need(req.params.proxy))));
  const updateProxy = async (req: { params: { proxy: string }; body: unknown }, reply: FastifyReply) => {
    service.need(req.params.proxy);
    return json(reply, 200, await service.update(req.params.proxy, decode(req.body)));
  };
  api.post<P>('/proxies/:proxy', updateProxy);
  api.patch<P>('/proxies/:proxy', updateProxy);
  api.delete<P>('/proxies/:proxy', async (req, reply) => {
    await service.remove(req.params.proxy);
    return noContent(reply);
  });
  api.get<P>('/proxies/:proxy/toxics', async (req, reply) => json(reply, 200, service.toxics.list(service.need(req.params.proxy))));
  api.post<P>('/proxies/:proxy/toxics', async (req, reply) => {
    service.need(req.params.proxy);
    return json(reply, 200, service.toxics.add(req.params.proxy, decode(req.body)));
  });
  api.get<T>('/proxies/:proxy/toxics/:toxic', async (req, reply) => json(reply, 200, service.toxics.get(req.params.proxy, req.params.toxic)));
  const updateToxic = async (req: { params: { proxy: string; toxic: string }; body: unknown }, reply: FastifyReply) => {
    service.toxics.get(req.params.proxy, req.params.toxic);
    return json(reply, 200, service.toxics.update(req.params.proxy, req.params.toxic, decode(req.body)));
  };
  api.post<T>('/proxies/:proxy/toxics/:toxic', updateToxic);
  api.patch<T>('/proxies/:proxy/toxics/:toxic', updateToxic);
  api.delete<T>('/proxies/:proxy/toxics/:toxic', async (req, reply) => {
    service.toxics.remove(req.params.proxy, req.params.toxic);
    return noContent(reply);
  });
  api.get('/toxics/types', async (_req, reply) => json(reply, 200, toxicTypes()));
  return api;
}
