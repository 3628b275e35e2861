import { createRequire } from 'node:module';

/**
 * Node modules that a WebSocket pass-through never needs, loaded the first time they are used.
 * `http` (the plain-HTTP forwarder, the --health listener, status texts for the proxy's own
 * error answers), `https` and `tls` (wss:// and https:// targets) together are ~17 M of the
 * ~125 M instructions wsfault's start adds to a bare listening Node process (valgrind,
 * docs/PERFORMANCE.md "Start-up"): a static `import` would load them before the first accept.
 * `require` of a built-in is a cache lookup after the first call, and makes no ESM facade.
 */
const load = createRequire(import.meta.url);

export const nodeHttp = (): typeof import('node:http') => load('node:http') as typeof import('node:http');
export const nodeHttps = (): typeof import('node:https') => load('node:https') as typeof import('node:https');
export const nodeTls = (): typeof import('node:tls') => load('node:tls') as typeof import('node:tls');
/** `v8` and `perf_hooks`: the CLI's young-generation cap, set once the proxies listen. */
export const nodeV8 = (): typeof import('node:v8') => load('node:v8') as typeof import('node:v8');
export const nodePerfHooks = (): typeof import('node:perf_hooks') => load('node:perf_hooks') as typeof import('node:perf_hooks');
