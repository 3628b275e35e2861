import type { FastifyPluginAsync } from 'fastify';
import Type from '../../schema/type.js';
import type { App } from '../../app.js';
import { apiError } from '../errors.js';
import { answers } from '../responses.js';

/**
 * GET /tls/ca.pem and /tls/ca.spki: the test CA that signs what `--tls` serves (SPEC §10), so a
 * test can fetch it and make its client trust it. 404 without --tls.
 */
export const tlsRoutes =
  (app: App): FastifyPluginAsync =>
  async (api) => {
    const ca = () => {
      if (!app.tls) throw apiError('WSFAULT_NOT_FOUND', 'TLS is off: start wsfault with --tls');
      return app.tls;
    };
    api.get('/tls/ca.pem', { schema: { summary: 'the test CA certificate (PEM)', response: answers({ 200: Type.String({ description: 'application/x-pem-file' }) }) } }, async (_request, reply) =>
      reply.type('application/x-pem-file').send(ca().caPem),
    );
    api.get('/tls/ca.spki', { schema: { summary: "the test CA's base64 SHA-256 SPKI (Chromium's --ignore-certificate-errors-spki-list)", response: answers({ 200: Type.String({ description: 'text/plain' }) }) } }, async (_request, reply) =>
      reply.type('text/plain; charset=utf-8').send(ca().caSpki + '\n'),
    );
  };
