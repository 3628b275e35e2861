import type { AddressInfo } from 'node:net';
import type { App } from './app-types.js';
import { WsfaultError } from './errors.js';
import { nodeHttp } from './node-builtins.js';
import { formatHostPort, parseListen } from './proxy/address.js';
import { VERSION } from './version.js';

export interface HealthServer {
  /** `http://HOST:PORT`; the probe is `${url}/health`. */
  url: string;
  close(): Promise<void>;
}

/**
 * `--health HOST:PORT`: a listener that answers GET /health (readiness, the same body and status
 * as the control API's) and GET /version, and nothing else. It is for probes where the API is off
 * or behind a token: it never touches a proxy port, loads no Fastify and changes nothing, so it
 * needs no token.
 */
export async function startHealthServer(app: App, listen: string): Promise<HealthServer> {
  const { host, port } = parseListen(listen, '--health');
  const server = nodeHttp().createServer((request, response) => {
    const send = (status: number, body: object) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      response.end(JSON.stringify(body));
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, problem('WSFAULT_INVALID_BODY', 'the health listener answers GET only'));
    if (path === '/health') {
      const health = app.readiness();
      return send(health.status === 'ok' ? 200 : 503, health);
    }
    if (path === '/version') return send(200, { version: VERSION });
    send(404, problem('WSFAULT_NOT_FOUND', `no route ${request.method} ${path}: the health listener serves GET /health and GET /version`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new WsfaultError('WSFAULT_PORT_IN_USE', `port ${port} is already in use; choose another with --health`)
          : new WsfaultError('WSFAULT_LISTEN_FAILED', `cannot listen on ${formatHostPort(host, port)} (${error.code ?? error.message})`),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${formatHostPort(host, actual)}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** SPEC §5's error body. */
const problem = (code: string, message: string) => ({ error: { code, message, details: [] } });
