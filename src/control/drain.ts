import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * How long a Fastify listener's close lets responses under way finish before every connection
 * left is cut. A report or a stream's last events take a few milliseconds; a reader that has not
 * taken them after this long is not waited for.
 */
export const DRAIN_MS = 1_000;

/**
 * Makes `api.close()` end, whatever the peers do. Node's `server.close()` closes the keep-alive
 * connections that are idle at that moment, and waits for all the others, which can be forever:
 * - a connection on which no request has come (a browser's preconnect, a stalled client) is
 *   never closed by it;
 * - a connection whose response ends after the close began goes back to waiting for its next
 *   request, for the keep-alive timeout (72 s in Fastify).
 * So once the listener has stopped, and as soon as no response is under way (at the latest after
 * `drainMs`), every connection left is closed. Call before the instance is ready (it adds a hook).
 */
export function drainOnClose(api: FastifyInstance, drainMs = DRAIN_MS): void {
  const underway = new Set<ServerResponse>();
  let closing = false;
  const cutWhenDrained = () => {
    if (closing && !api.server.listening && underway.size === 0) api.server.closeAllConnections();
  };
  api.server.on('request', (_request, response: ServerResponse) => {
    underway.add(response);
    // 'close' comes after the response is written to the socket, or when the socket is gone.
    response.once('close', () => {
      underway.delete(response);
      cutWhenDrained();
    });
  });
  // Fastify stops the listener after the preClose hooks have run.
  const onceStopped = () => (api.server.listening ? setImmediate(onceStopped) : cutWhenDrained());
  api.addHook('preClose', (done) => {
    closing = true;
    setImmediate(onceStopped);
    setTimeout(() => api.server.closeAllConnections(), drainMs).unref();
    done();
  });
}
