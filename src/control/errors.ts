import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCatalogue, WsfaultError, type ErrorCode } from '../errors.js';

/** SPEC §5's error body: `{"error": {"code": "WSFAULT_…", "message": "…", "details": [...]}}`. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details: unknown[] };
}

export function apiError(code: ErrorCode, message: string, details: unknown[] = []): WsfaultError {
  return new WsfaultError(code, message, details);
}

/**
 * Every error leaves the API in one shape, with the catalogue's status: ours as they are,
 * Fastify's schema and parsing errors as WSFAULT_INVALID_BODY (400) with the bad field, and
 * anything else as WSFAULT_INTERNAL without a stack trace.
 */
export function installErrorHandler(api: FastifyInstance): void {
  api.setErrorHandler((error: FastifyError | WsfaultError, request, reply) => {
    if (error instanceof WsfaultError) {
      return reply.status(ErrorCatalogue[error.code].status).send(body(error.code, error.message, error.details));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const details = fastifyError.validation.map((v) => ({
        path: `${fastifyError.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message ?? 'is not valid',
        ...(v.params && 'additionalProperty' in v.params ? { key: v.params.additionalProperty } : {}),
      }));
      return reply.status(400).send(body('WSFAULT_INVALID_BODY', `invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details));
    }
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      return reply.status(fastifyError.statusCode).send(body('WSFAULT_INVALID_BODY', fastifyError.message));
    }
    request.log.error({ err: error }, 'control API error');
    return reply.status(500).send(body('WSFAULT_INTERNAL', 'internal error (see the wsfault log)'));
  });
  api.setNotFoundHandler((request, reply) => reply.status(404).send(body('WSFAULT_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
}

function body(code: ErrorCode, message: string, details: unknown[] = []): ApiErrorBody {
  return { error: { code, message, details } };
}
