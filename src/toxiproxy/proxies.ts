/**
 * Toxiproxy's proxies over the App: a proxy made here is an ordinary wsfault proxy (the
 * wsfault API lists it and it takes scenarios); this module keeps only what Toxiproxy shows and
 * wsfault does not (the `upstream` as given). Addresses follow Go's net package.
 */
import type { App } from '../app.js';
import { WsfaultError } from '../errors.js';
import { ToxiError } from './errors.js';

/** The hidden first link of every chain (see faults.ts): toxics added later reach open connections. */
export const LINK_FAULT = 'toxiproxy.link';

export interface ListenSpec {
  host: string;
  port: number;
}

/** `host:port` as Go's net.Listen takes it: empty host = every interface, localhost = 127.0.0.1. */
export function parseGoListen(given: string): ListenSpec {
  if (given === '') return { host: '::', port: 0 };
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d{1,5})$/.exec(given);
  if (!m || Number(m[3]) > 65535) throw new ToxiError(`listen tcp: address ${given}: ${m ? 'invalid port' : 'missing port in address'}`, 500);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '::' : host === 'localhost' ? '127.0.0.1' : host, port: Number(m[3]) };
}

/** Go's `TCPAddr.String()`: IPv6 in brackets. */
export function goAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The real address a proxy listens on, as Toxiproxy reports it (`listener.Addr().String()`). */
export function listenOf(app: App, name: string): string {
  const listen = app.status(name).listen;
  const cut = listen.lastIndexOf(':');
  return goAddress(listen.slice(0, cut), Number(listen.slice(cut + 1)));
}

/** `upstream` of a proxy not made through this API: its target without the scheme. */
export function upstreamOf(app: App, name: string): string {
  return app.status(name).target.replace(/^[a-z]+:\/\//, '');
}

/** Starts a wsfault proxy for `name`, enabled, with the hidden link; errors as Toxiproxy reports them. */
export async function launchProxy(app: App, name: string, listen: string, upstream: string): Promise<void> {
  const spec = parseGoListen(listen);
  const attempt = (host: string) => app.addProxy({ name, listen: goAddress(host, spec.port), target: `ws://${upstream}` });
  try {
    try {
      await attempt(spec.host);
    } catch (error) {
      // No IPv6 here: Go would then listen on 0.0.0.0 for an empty host.
      if (spec.host !== '::' || !(error instanceof WsfaultError) || error.code !== 'WSFAULT_LISTEN_FAILED') throw error;
      await attempt('0.0.0.0');
    }
  } catch (error) {
    if (error instanceof WsfaultError && error.code === 'WSFAULT_PORT_IN_USE') throw new ToxiError(`listen tcp ${goAddress(spec.host, spec.port)}: bind: address already in use`, 500);
    if (error instanceof WsfaultError && error.code === 'WSFAULT_EXISTS') throw new ToxiError('proxy already exists', 409);
    if (error instanceof WsfaultError) throw new ToxiError(error.message, 500);
    throw error;
  }
  app.addFault(name, { type: 'toxiproxy-noop', name: LINK_FAULT });
}

/** Toxiproxy's stop: the listener closes (new connections are refused) and every connection is closed. */
export async function disableProxy(app: App, name: string): Promise<void> {
  // The listener closes at once; the promise settles when the last connection has gone, so the
  // connections are closed meanwhile, and a peer that never answers our FIN does not hold the API.
  const stopped = app.setEnabled(name, false);
  app.kill(name, 'all', { how: 'fin' });
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
}

export async function enableProxy(app: App, name: string): Promise<void> {
  try {
    await app.setEnabled(name, true);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ToxiError(code === 'EADDRINUSE' ? `listen tcp ${listenOf(app, name)}: bind: address already in use` : (error as Error).message, 500);
  }
  // A proxy that wsfault's own API made has no link yet.
  if (!app.status(name).faults.some((f) => f.name === LINK_FAULT)) app.addFault(name, { type: 'toxiproxy-noop', name: LINK_FAULT });
}

/** Stops and forgets a proxy at once (Toxiproxy closes connections without a closing handshake). */
export async function dropProxy(app: App, name: string): Promise<void> {
  app.kill(name, 'all', { how: 'fin' });
  await app.removeProxy(name);
}
