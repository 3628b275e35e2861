import type { App } from '../app.js';
import { formatHostPort, parseListen } from '../proxy/address.js';
import { WsfaultError } from '../errors.js';
import { buildControlApi, type ControlApiOptions } from './api.js';
import { drainOnClose } from './drain.js';

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Listens with the control API; `warn` hears that it is reachable from elsewhere without a token. */
export async function startControlApi(app: App, listen: string, options: ControlApiOptions & { warn?: (message: string) => void } = {}): Promise<ControlServer> {
  const { host, port } = parseListen(listen, '--api');
  if (!LOOPBACK.test(host) && !options.token) {
    options.warn?.(`the control API listens on ${formatHostPort(host, port)} without a token: anyone who can reach it can change what the proxy does (set --api-token or WSFAULT_API_TOKEN)`);
  }
  const api = await buildControlApi(app, options);
  drainOnClose(api);
  try {
    await api.listen({ host, port });
  } catch (error) {
    await api.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new WsfaultError('WSFAULT_PORT_IN_USE', `port ${port} is already in use; choose another with --api (or --api off)`);
    }
    throw error;
  }
  const address = api.server.address() as { port: number };
  return { url: `http://${formatHostPort(host, address.port)}`, close: () => api.close() };
}
