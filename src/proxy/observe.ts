import { targetPath, type RequestHead } from '../protocol/http-head.js';
import type { ConnectionContext } from './connection-context.js';

/**
 * The path of an upgrade request, shown on the way to a connection observer (the reconnect
 * report) with its query and headers. Plain requests are shown by the HTTP forwarder.
 */
export function upgradePath(ctx: ConnectionContext, conn: string, request: RequestHead): string {
  const { path, query } = targetPath(request.target);
  if (ctx.bus.observed) ctx.bus.request(ctx.proxyName, conn, { method: request.method, path, query, headers: request.headers, upgrade: true });
  return path;
}
