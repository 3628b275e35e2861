import { readFileSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import type tls from 'node:tls';
import { WsfaultError } from '../errors.js';
import { nodeTls } from '../node-builtins.js';
import { connectOwned } from '../transport/owned-reads.js';
import type { Target } from './address.js';

/** How a `wss://`/`https://` target is trusted (SPEC §10: --upstream-ca, --upstream-insecure). */
export interface UpstreamTrust {
  /** PEM certificates trusted in addition to the system's. */
  ca?: string;
  /** Skip verification; the error is still reported to `warn`, once per connection. */
  insecure?: boolean;
  warn?(message: string): void;
}

/** --upstream-ca FILE: PEM certificates, read once at start. */
export function readUpstreamCa(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WsfaultError('WSFAULT_USAGE', `--upstream-ca "${file}" cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new WsfaultError('WSFAULT_USAGE', `--upstream-ca "${file}" holds no PEM certificate`);
  return text;
}

/** Node's `ca` replaces the system store: the extra CA is added to it, not put in its place. */
export function trustOptions(trust: UpstreamTrust | undefined): tls.ConnectionOptions {
  return {
    ...(trust?.ca ? { ca: [...nodeTls().rootCertificates, trust.ca] } : {}),
    rejectUnauthorized: trust?.insecure !== true,
  };
}

/**
 * Opens the TCP (or TLS) connection to the target for one client. Half-open is allowed so a FIN
 * from one side can be passed on as a FIN, not turned into a full close. TLS sends SNI for names
 * only (RFC 6066 forbids an IP there) and offers ALPN `http/1.1` only, since the upgrade is HTTP/1.1.
 */
export function dial(target: Target, timeoutMs: number, trust?: UpstreamTrust): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const options = { host: target.host, port: target.port, allowHalfOpen: true, noDelay: true };
    const socket: Socket = target.tls
      ? nodeTls().connect({ ...options, ...trustOptions(trust), servername: net.isIP(target.host) ? undefined : target.host, ALPNProtocols: ['http/1.1'] })
      : connectOwned(options);
    const connectEvent = target.tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      socket.destroy();
      reject(error);
    }, timeoutMs);
    socket.once(connectEvent, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      const secure = socket as tls.TLSSocket;
      if (target.tls && !secure.authorized && trust?.warn) {
        trust.warn(`upstream ${target.url}: TLS certificate not verified (${String(secure.authorizationError)}); going on because of --upstream-insecure`);
      }
      resolve(socket);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
  });
}
