import type { Socket } from 'node:net';
import type { EventFields, EventType } from '../events/types.js';
import type { FaultInstance } from './fault-instances.js';

/**
 * What a TLS terminator (src/tls/, loaded only with --tls) needs from one connection. The core
 * knows only this interface: whether the first byte means TLS, which certificate to serve and
 * how the TLS faults act are the terminator's business.
 */
export interface SecureHost {
  readonly conn: string;
  /** What the proxy reads the client from now (the socket, or a ClientLink with transport stages). */
  readonly client: Socket;
  /** Time the client has for its TLS handshake (the head timeout, SPEC §10). */
  readonly timeoutMs: number;
  /** The TLS faults in force once the ClientHello named a server (decided now for those with a `match`). */
  faults(sni: string | null): FaultInstance<'tls'>[];
  applied(name: string): void;
  emit<T extends EventType>(type: T, fields: EventFields[T]): void;
  /** The connection is over (a TLS fault ended it, or the handshake failed): no HTTP follows. */
  ended(how: 'fin' | 'rst'): void;
}

/**
 * The result of terminating: the stream to read HTTP from (the decrypted one, or `host.client`
 * itself for plain traffic) and the TLS server name; null when the connection ended on the way.
 * `silent`: the client sent nothing within the head timeout. A TLS client speaks first, so this
 * is a plain client that has not sent its head in time, and it is answered as one (408).
 */
export type Secured = { stream: Socket; sni?: string; silent?: boolean } | null;

export interface Terminator {
  /** Reads the first bytes: TLS (0x16) is terminated here, anything else is left for the HTTP path. */
  secure(host: SecureHost): Promise<Secured>;
}
