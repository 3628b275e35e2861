import net, { type Server, type Socket } from 'node:net';
import { WsfaultError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { ownAccepted } from '../transport/owned-reads.js';
import { formatHostPort, type ListenAddress, type Target } from './address.js';
import { Connection, type ConnectionContext, type ConnectionInfo, type KillOptions } from './connection.js';
import { NO_FAULTS, type FaultSource } from './fault-instances.js';
import { HttpForwarder } from './http-forward.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import type { Terminator } from './secure.js';
import { dial, trustOptions, type UpstreamTrust } from './upstream.js';

export interface ProxyOptions {
  name: string;
  listen: ListenAddress;
  target: Target;
  bus: EventBus;
  hostHeader?: 'keep' | 'target';
  limits?: Partial<Limits>;
  /** Which faults each connection gets (the scenario engine); none: pure pass-through. */
  faults?: FaultSource;
  /** With --tls: TLS is terminated on the same listener (SPEC §10). */
  tls?: Terminator;
  /** Trust for a wss:// or https:// target. */
  upstreamTrust?: UpstreamTrust;
}

const PASS_THROUGH: FaultSource = { forAccept: () => NO_FAULTS, forRequest: () => NO_FAULTS, release: () => {} };

/** The shutdown Close of SPEC §1: 1001 "going away". */
export const SHUTDOWN_CLOSE = { code: 1001, reason: 'proxy shutting down' } as const;

/**
 * One listening proxy: accepts clients, makes a Connection for each, and keeps the registry of
 * open connections that the control API lists and kills.
 */
export class Proxy {
  readonly connections = new Map<string, Connection>();
  private readonly server: Server;
  private readonly http: HttpForwarder;
  private readonly context: ConnectionContext;
  private nextId = 1;
  private listening: ListenAddress | null = null;
  private target_: Target;
  /** False while the proxy does not accept new connections (PATCH enabled: false). */
  enabled = true;

  constructor(private readonly options: ProxyOptions) {
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.target_ = options.target;
    const self = this;
    this.http = new HttpForwarder({
      proxyName: options.name,
      target: () => this.target_,
      hostHeader: options.hostHeader ?? 'keep',
      bus: options.bus,
      trust: trustOptions(options.upstreamTrust),
    });
    this.context = {
      proxyName: options.name,
      get target() {
        return self.target_;
      },
      bus: options.bus,
      limits,
      faults: options.faults ?? PASS_THROUGH,
      ...(options.tls ? { tls: options.tls } : {}),
      dial: (target, timeoutMs) => dial(target, timeoutMs, options.upstreamTrust),
      forwardHttp: (socket, owner) => this.http.handle(socket, owner),
      openConnections: (except) => {
        let open = 0;
        for (const c of this.connections.values()) if (c.id !== except && c.admitted) open++;
        return open;
      },
      closed: (id) => this.connections.delete(id),
    };
    // allowHalfOpen: a client's FIN is passed on as a FIN while the other direction still flows.
    this.server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, this.accept);
  }

  get name(): string {
    return this.options.name;
  }

  get target(): Target {
    return this.target_;
  }

  /** New connections dial `target` from now on; open ones keep theirs. */
  setTarget(target: Target): void {
    this.target_ = target;
  }

  /**
   * Stops or resumes accepting new connections; open ones are not touched. Disabling returns at
   * once: the listening socket closes now, and server.close()'s own callback would wait for every
   * open connection to end.
   */
  async setEnabled(enabled: boolean): Promise<void> {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    if (!enabled) {
      this.server.close();
      return;
    }
    const { host, port } = this.address;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Where the proxy listens once started (the port is the real one when 0 was asked). */
  get address(): ListenAddress {
    if (!this.listening) throw new Error('proxy is not listening');
    return this.listening;
  }

  get url(): string {
    return `ws://${formatHostPort(this.address.host, this.address.port)}`;
  }

  /** The same listener as `wss://` when TLS is on (SPEC §10), else null. */
  get secureUrl(): string | null {
    return this.options.tls ? `wss://${formatHostPort(this.address.host, this.address.port)}` : null;
  }

  async start(): Promise<void> {
    const { host, port } = this.options.listen;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error & { code?: string }) => {
        const where = formatHostPort(host, port);
        if (error.code === 'EADDRINUSE') {
          reject(new WsfaultError('WSFAULT_PORT_IN_USE', `port ${port} is already in use; choose another with --listen`));
        } else {
          reject(new WsfaultError('WSFAULT_LISTEN_FAILED', `cannot listen on ${where} (${error.code ?? error.message})`));
        }
      };
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    const address = this.server.address() as net.AddressInfo;
    this.listening = { host, port: address.port };
    this.options.bus.emit(this.name, 'proxy.listening', { listen: formatHostPort(host, address.port), target: this.target.url });
  }

  list(): ConnectionInfo[] {
    return [...this.connections.values()].map((c) => c.info());
  }

  kill(id: string, options: KillOptions): boolean {
    const connection = this.connections.get(id);
    connection?.kill(options);
    return connection !== undefined;
  }

  killAll(options: KillOptions): number {
    for (const connection of this.connections.values()) connection.kill(options);
    return this.connections.size;
  }

  /**
   * Stops accepting, sends Close 1001 to open WebSockets, waits for the connections to end
   * (each is bounded by the close timeout), then destroys whatever is left after `graceMs`.
   */
  async stop(graceMs = 5_000): Promise<void> {
    const closed = this.enabled ? new Promise<void>((resolve) => this.server.close(() => resolve())) : Promise.resolve();
    this.enabled = false;
    this.killAll({ how: 'close-frame', ...SHUTDOWN_CLOSE });
    const deadline = Date.now() + graceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const connection of this.connections.values()) connection.destroy();
    this.http.close();
    await closed;
    if (this.listening) {
      const listen = formatHostPort(this.listening.host, this.listening.port);
      this.options.bus.emit(this.name, 'proxy.stopped', { listen, target: this.target.url });
    }
  }

  private accept = (accepted: Socket): void => {
    // First of all, before anything listens: reads into owned buffers (owned-reads.ts).
    const socket = ownAccepted(accepted, { noDelay: true });
    const id = `c-${this.nextId++}`;
    const connection = new Connection(id, socket, this.context);
    this.connections.set(id, connection);
    // start() never rejects: a connection's failure ends that connection only.
    void connection.start();
  };
}
