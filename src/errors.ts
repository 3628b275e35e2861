/**
 * The one catalogue of wsfault's own errors: a stable WSFAULT_* code, the HTTP status the control
 * API answers with, and the CLI exit code. Deliberate faults are not errors and never appear here.
 */
export const ErrorCatalogue = {
  WSFAULT_USAGE: { status: 400, exit: 2, summary: 'a flag or argument is not valid' },
  WSFAULT_PORT_IN_USE: { status: 409, exit: 1, summary: 'the listen address is already in use' },
  WSFAULT_LISTEN_FAILED: { status: 500, exit: 1, summary: 'could not listen on the address' },
  WSFAULT_SCENARIO_INVALID: { status: 400, exit: 2, summary: 'a scenario or config file is not valid' },
  WSFAULT_NOT_FOUND: { status: 404, exit: 2, summary: 'no such scenario, proxy, fault or connection' },
  WSFAULT_EXISTS: { status: 409, exit: 2, summary: 'a proxy or scenario of that name exists already' },
  WSFAULT_INVALID_BODY: { status: 400, exit: 2, summary: 'the request body or query is not valid' },
  WSFAULT_UNAUTHORIZED: { status: 401, exit: 2, summary: 'the API token is missing or wrong' },
  WSFAULT_FORBIDDEN_ORIGIN: { status: 403, exit: 2, summary: 'browser requests from this origin are not allowed (see --api-cors)' },
  WSFAULT_INTERNAL: { status: 500, exit: 1, summary: 'an unexpected error in wsfault itself' },
} as const;

export type ErrorCode = keyof typeof ErrorCatalogue;

export class WsfaultError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
    this.name = 'WsfaultError';
  }

  get exitCode(): number {
    return ErrorCatalogue[this.code].exit;
  }
}
