import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { PACKAGE_ROOT } from '../../package-root.js';
import Type from '../../schema/type.js';
import { answers } from '../responses.js';

/**
 * Where the page's files are: `dashboard/` at the package root, shipped as they are (no build
 * step).
 */
export const DASHBOARD_DIR = pathToFileURL(join(PACKAGE_ROOT, 'dashboard') + '/');

/** The page's files by the path they are served at, with their media types. */
const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/**
 * A strict policy: the page runs only its own script and style and talks only to this API. No
 * inline script or style is allowed, so an event's text written into the page can never run.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET / (SPEC §13): the dashboard, and its script and style. The files are read when asked for,
 * never at start-up. They carry no data: the page fetches everything from the API with the
 * token the user gives it, so these three answer without the token (`publicAsset`), a browser
 * cannot send one when it navigates. The origin rules still apply to them.
 */
export const dashboardRoutes: FastifyPluginAsync = async (api) => {
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    api.get(
      path,
      {
        config: { publicAsset: true },
        schema: {
          ...(path === '/' ? { summary: 'the dashboard (SPEC §13): a page for a browser' } : { hide: true }),
          response: answers({ 200: Type.String({ description: type.split(';')[0] }) }),
        },
      },
      async (_request, reply) =>
        reply
          .type(type)
          .header('cache-control', 'no-cache')
          .header('content-security-policy', DASHBOARD_CSP)
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .send(await readFile(new URL(file, DASHBOARD_DIR), 'utf8')),
    );
  }
};
