import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { Target } from './address.js';

/**
 * Opens the TCP (or TLS) connection to the target for one client. Half-open is allowed so a FIN
 * from one side can be passed on as a FIN, not turned into a full close.
 */
export function dial(target: Target, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const options = { host: target.host, port: target.port, allowHalfOpen: true, noDelay: true };
    const socket: Socket = target.tls
      ? tls.connect({ ...options, servername: net.isIP(target.host) ? undefined : target.host, ALPNProtocols: ['http/1.1'] })
      : net.connect(options);
    const connectEvent = target.tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      socket.destroy();
      reject(error);
    }, timeoutMs);
    socket.once(connectEvent, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
  });
}
