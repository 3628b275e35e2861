import { EventBus } from './events/bus.js';
import { startEchoServer, type EchoServer } from './echo/server.js';
import { parseListen, parseTarget, type Target } from './proxy/address.js';
import type { Limits } from './proxy/limits.js';
import { Proxy } from './proxy/proxy.js';
import { VERSION } from './version.js';

export interface AppOptions {
  /** Upstream URL; absent: the built-in echo server. */
  target?: string;
  /** `HOST:PORT` or `:PORT`; default 127.0.0.1:7878. */
  listen?: string;
  /** Seed for every random choice; default: a random one (printed). */
  seed?: number;
  hostHeader?: 'keep' | 'target';
  limits?: Partial<Limits>;
  bus?: EventBus;
}

/** A running wsfault: the proxy, its target, and the echo server when it serves as the target. */
export interface App {
  readonly bus: EventBus;
  readonly proxy: Proxy;
  readonly seed: number;
  readonly echo: EchoServer | null;
  banner(): string;
  stop(graceMs?: number): Promise<void>;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

export async function startApp(options: AppOptions = {}): Promise<App> {
  const listen = parseListen(options.listen ?? '127.0.0.1:7878');
  // Parse the target before starting anything, so a bad URL fails without side effects.
  const given: Target | null = options.target ? parseTarget(options.target) : null;
  const bus = options.bus ?? new EventBus();
  const seed = options.seed ?? randomSeed();
  const echo = given ? null : await startEchoServer();
  const target = given ?? parseTarget(echo!.url);
  const proxy = new Proxy({ name: 'default', listen, target, bus, hostHeader: options.hostHeader, limits: options.limits });
  try {
    await proxy.start();
  } catch (error) {
    await echo?.close();
    throw error;
  }
  return {
    bus,
    proxy,
    seed,
    echo,
    banner: () =>
      [
        `wsfault ${VERSION}  seed ${seed}`,
        `  proxy     ${proxy.url}  ->  ${target.url}${echo ? ' (built-in echo)' : ''}`,
        `  scenario  passthrough`,
        echo ? `  try it    open http://${proxy.url.slice(5)}/ in a browser` : null,
      ]
        .filter((line) => line !== null)
        .join('\n'),
    async stop(graceMs = 5_000) {
      await proxy.stop(graceMs);
      await echo?.close();
    },
  };
}
