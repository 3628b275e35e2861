import type { ConnectionState } from '../wire.js';

/**
 * The states of one client connection and the only moves between them. A move the table does
 * not allow is a bug in the proxy, not something a peer can cause: it throws, and the
 * connection's error boundary resets that one connection.
 *
 *   head ──▶ http ──▶ handshake ──▶ websocket
 *     │        │          │             │
 *     └────────┴──────────┴─▶ tunnel    │      any state ──▶ closing ──▶ closed
 *                                       ▼
 */
export type { ConnectionState };

const ENDING: readonly ConnectionState[] = ['closing', 'closed'];

export const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  /** Reading the first request head. */
  head: ['http', 'handshake', 'tunnel', ...ENDING],
  /** Plain HTTP handed to the HTTP forwarder; an upgrade may follow on the same socket. */
  http: ['handshake', ...ENDING],
  /** An upgrade request on its way: handshake faults, dial, the upstream's answer. */
  handshake: ['websocket', 'tunnel', ...ENDING],
  /** After a 101: frames flow through the pipes. */
  websocket: ENDING,
  /** Not a WebSocket and not HTTP we parse any more: bytes pass as they are. */
  tunnel: ENDING,
  /** The proxy started ending it (kill, Close sent, protocol error); sockets still open. */
  closing: ENDING,
  /** Both sockets are gone. */
  closed: [],
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: ConnectionState,
    readonly to: ConnectionState,
  ) {
    super(`illegal connection state transition ${from} → ${to}`);
  }
}

/** The current state, moved only through the table. */
export class Lifecycle {
  private current: ConnectionState = 'head';

  get state(): ConnectionState {
    return this.current;
  }

  /** True in any of `states`. */
  is(...states: ConnectionState[]): boolean {
    return states.includes(this.current);
  }

  /** True once the proxy began ending the connection, or it has ended. */
  get ending(): boolean {
    return this.current === 'closing' || this.current === 'closed';
  }

  to(next: ConnectionState): void {
    if (!TRANSITIONS[this.current].includes(next)) throw new IllegalTransitionError(this.current, next);
    this.current = next;
  }
}
