import type { FastifyInstance } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { apiError } from './errors.js';

export interface SecurityOptions {
  /** Require `Authorization: Bearer TOKEN` (`--api-token`, env WSFAULT_API_TOKEN). */
  token?: string;
  /** The one browser origin allowed to call the API (`--api-cors`). */
  corsOrigin?: string;
}

/**
 * The API changes what a proxy does to traffic, so it is guarded: a token when one is set, and
 * browser requests only from the allowed origin. A page on another site cannot drive it through
 * the user's browser (Origin / Sec-Fetch-Site are set by browsers and cannot be forged by a page).
 * Tools like curl send neither header and are let through.
 */
export function installSecurity(api: FastifyInstance, options: SecurityOptions): void {
  const expected = options.token ? Buffer.from(`Bearer ${options.token}`) : null;
  api.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    const allowed = origin !== undefined && options.corsOrigin !== undefined && (options.corsOrigin === '*' || origin === options.corsOrigin);
    if (allowed) {
      reply.header('Access-Control-Allow-Origin', origin);
      reply.header('Vary', 'Origin');
      reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
      reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      if (request.method === 'OPTIONS') return reply.status(204).send();
    } else if ((origin !== undefined && !sameHost(origin, request.headers.host)) || site === 'cross-site') {
      throw apiError('WSFAULT_FORBIDDEN_ORIGIN', `requests from ${origin ?? 'another site'} are not allowed; start wsfault with --api-cors ORIGIN to allow one`);
    }
    // The dashboard's own files carry no data (see routes/dashboard.ts): a browser navigating
    // to the page cannot send a token, so only they answer without it.
    const publicAsset = (request.method === 'GET' || request.method === 'HEAD') && (request.routeOptions.config as { publicAsset?: boolean }).publicAsset === true;
    if (expected && !publicAsset) {
      const given = Buffer.from(request.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        throw apiError('WSFAULT_UNAUTHORIZED', 'missing or wrong token: send Authorization: Bearer TOKEN');
      }
    }
  });
}

/** The API's own pages (/docs) call it from its own origin. */
function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
