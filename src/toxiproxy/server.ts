import type { App } from '../app.js';
import { WsfaultError } from '../errors.js';
import { formatHostPort, parseListen } from '../proxy/address.js';
import { drainOnClose } from '../control/drain.js';
import { buildToxiproxyApi } from './api.js';

export interface ToxiproxyServer {
  url: string;
  close(): Promise<void>;
}

/** Listens with the Toxiproxy-compatible API (`--toxiproxy-api HOST:PORT`). */
export async function startToxiproxyApi(app: App, listen: string): Promise<ToxiproxyServer> {
  const { host, port } = parseListen(listen, '--toxiproxy-api');
  const api = buildToxiproxyApi(app);
  drainOnClose(api);
  try {
    await api.listen({ host, port });
  } catch (error) {
    await api.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new WsfaultError('WSFAULT_PORT_IN_USE', `port ${port} is already in use; choose another with --toxiproxy-api`);
    }
    throw error;
  }
  const address = api.server.address() as { port: number };
  return { url: `http://${formatHostPort(host, address.port)}`, close: () => api.close() };
}
