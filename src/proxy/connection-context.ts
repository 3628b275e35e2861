import type { Socket } from 'node:net';
import type { EventBus } from '../events/bus.js';
import type { RequestHead } from '../protocol/http-head.js';
import type { Target } from './address.js';
import type { FaultSource } from './fault-instances.js';
import type { Limits } from './limits.js';
import type { Terminator } from './secure.js';

/** What the HTTP forwarder needs from the connection that owns a socket. */
export interface HttpOwner {
  readonly id: string;
  beforeDial(): Promise<void>;
  /** An upgrade that follows plain requests on a keep-alive socket. */
  upgrade(request: RequestHead, rest: Buffer): Promise<void>;
}

/** What a Connection needs from its proxy. */
export interface ConnectionContext {
  readonly proxyName: string;
  readonly target: Target;
  readonly bus: EventBus;
  readonly limits: Limits;
  readonly faults: FaultSource;
  /** With --tls: reads the first bytes and terminates TLS (SPEC §10); absent: plain only. */
  readonly tls?: Terminator;
  dial(target: Target, timeoutMs: number): Promise<Socket>;
  /** Connections of this proxy that were admitted and are still open, `except` excluded. */
  openConnections(except: string): number;
  /** Hands a socket whose first request is plain HTTP to the HTTP forwarder. */
  forwardHttp(socket: Socket, owner: HttpOwner): void;
  /** The connection's sockets are both gone. */
  closed(id: string): void;
}

/** The SPEC §5 view of a connection is a wire shape (src/wire.ts). */
export type { ConnectionInfo } from '../wire.js';
