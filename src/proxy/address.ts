import { WsfaultError } from '../errors.js';

/** Where the proxy dials: scheme decides TLS; the path of a target URL is ignored (SPEC §1). */
export interface Target {
  host: string;
  port: number;
  tls: boolean;
  /** `ws://host:port` as given, for the banner and events. */
  url: string;
  /** The http(s) origin http-proxy forwards plain requests to. */
  httpOrigin: string;
}

const DEFAULT_PORTS: Record<string, number> = { 'ws:': 80, 'http:': 80, 'wss:': 443, 'https:': 443 };

export function parseTarget(input: string): Target {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new WsfaultError('WSFAULT_USAGE', `--target "${input}" is not a URL; use ws://HOST:PORT, wss://, http:// or https://`);
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  if (defaultPort === undefined) {
    throw new WsfaultError('WSFAULT_USAGE', `--target "${input}" must start with ws://, wss://, http:// or https://`);
  }
  if (!url.hostname) throw new WsfaultError('WSFAULT_USAGE', `--target "${input}" has no host`);
  const tls = url.protocol === 'wss:' || url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : defaultPort;
  const hostPort = `${url.hostname}:${port}`;
  return { host, port, tls, url: `${tls ? 'wss' : 'ws'}://${hostPort}`, httpOrigin: `${tls ? 'https' : 'http'}://${hostPort}` };
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (127.0.0.1). */
export function parseListen(input: string, flag = '--listen'): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(input.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new WsfaultError('WSFAULT_USAGE', `${flag} "${input}" is not HOST:PORT (for example 127.0.0.1:7878 or :7878)`);
  }
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
