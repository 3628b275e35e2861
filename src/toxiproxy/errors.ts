/** Toxiproxy's error model: `{"error": "...", "status": N}`, sent as Go's http.Error sends it. */
export class ToxiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ToxiError';
  }

  /** `wrapper: detail`, as Toxiproxy's joinError builds messages. */
  with(detail: string): ToxiError {
    return new ToxiError(`${this.message}: ${detail}`, this.status);
  }
}

export const ERRORS = {
  badRequestBody: new ToxiError('bad request body', 400),
  missingField: new ToxiError('missing required field', 400),
  proxyNotFound: new ToxiError('proxy not found', 404),
  proxyExists: new ToxiError('proxy already exists', 409),
  invalidStream: new ToxiError('stream was invalid, can be either upstream or downstream', 400),
  invalidToxicType: new ToxiError('invalid toxic type', 400),
  toxicExists: new ToxiError('toxic already exists', 409),
  toxicNotFound: new ToxiError('toxic not found', 404),
} as const;

/** The body of an error answer: JSON then a newline (Go's http.Error uses Fprintln). */
export function errorBody(error: ToxiError): string {
  return `${JSON.stringify({ error: error.message, status: error.status })}\n`;
}

/** Go's encoding/json would refuse this value for a field of this Go type. */
export function goTypeError(value: unknown, where: string, goType: string): ToxiError {
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value === 'string' ? 'string' : `number ${String(value)}`;
  return ERRORS.badRequestBody.with(`json: cannot unmarshal ${kind} into Go struct field ${where} of type ${goType}`);
}
