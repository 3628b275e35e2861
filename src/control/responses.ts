import Type, { type TSchema } from '../schema/type.js';
import { ErrorBody } from '../wire.js';

/**
 * A route's `response` schemas: the success answer from src/wire.ts plus SPEC §5's error body
 * for 4xx and 5xx. Fastify serializes with them (fast-json-stringify writes only what a schema
 * names, which is why the wire schemas must name every field) and the OpenAPI document shows them.
 */
export function answers(success: Record<number, TSchema>): Record<string, TSchema> {
  return { ...success, '4xx': ErrorBody, '5xx': ErrorBody };
}

/** 204: nothing in the body. */
export const NoContent = Type.Null({ description: 'no body' });
