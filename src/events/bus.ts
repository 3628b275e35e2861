import type { EventFields, EventType, WsfaultEvent } from './types.js';

export type Listener = (event: WsfaultEvent) => void;

/** A request head as a connection observer sees it: headers as sent (names in any case). */
export interface RequestSeen {
  method: string;
  path: string;
  /** The query string without `?` ('' when none). */
  query: string;
  headers: readonly (readonly [name: string, value: string])[];
  /** An upgrade request (true) or a plain HTTP request (false). */
  upgrade: boolean;
}

/**
 * Sees what events do not carry, in process only (never on /events or the events file): every
 * request head (which may hold cookies and tokens) and the moment a WebSocket's client sent its
 * first data message. The reconnect report is one; the core calls these only while one is set.
 */
export interface ConnectionObserver {
  request?(proxy: string, conn: string, request: RequestSeen): void;
  firstClientMessage?(proxy: string, conn: string): void;
  /**
   * The client's side of the connection closed. `connection.close` comes once both sides have,
   * which can be much later when the upstream is slow to close or the process is busy: a client
   * that saw its end here may already be waiting to reconnect.
   */
  clientClosed?(proxy: string, conn: string): void;
}

/**
 * One typed bus for every event of SPEC §6. Emitting costs one property check when nobody
 * listens: callers test `bus.active` before building an event object (as undici does with
 * diagnostics_channel's hasSubscribers).
 */
export class EventBus {
  private listeners = new Set<Listener>();
  private seq = 0;
  private observers = new Set<ConnectionObserver>();

  /** True while a connection observer is set: the core asks before building what it passes. */
  get observed(): boolean {
    return this.observers.size > 0;
  }

  observe(observer: ConnectionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  request(proxy: string, conn: string, request: RequestSeen): void {
    for (const o of this.observers) guard(() => o.request?.(proxy, conn, request));
  }

  firstClientMessage(proxy: string, conn: string): void {
    for (const o of this.observers) guard(() => o.firstClientMessage?.(proxy, conn));
  }

  clientClosed(proxy: string, conn: string): void {
    for (const o of this.observers) guard(() => o.clientClosed?.(proxy, conn));
  }

  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<T extends EventType>(proxy: string, type: T, fields: EventFields[T]): void {
    if (this.listeners.size === 0) return;
    const event = { seq: ++this.seq, time: new Date().toISOString(), type, proxy, ...fields } as unknown as WsfaultEvent;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing subscriber must not break the connection that emitted the event.
      }
    }
  }
}

/** A failing observer must not break the connection it watches. */
function guard(call: () => void): void {
  try {
    call();
  } catch {
    // ignored on purpose, like a failing event listener
  }
}
