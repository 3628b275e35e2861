import type { EventFields, EventType, WsfaultEvent } from './types.js';

export type Listener = (event: WsfaultEvent) => void;

/**
 * One typed bus for every event of SPEC §6. Emitting costs one property check when nobody
 * listens: callers test `bus.active` before building an event object (as undici does with
 * diagnostics_channel's hasSubscribers).
 */
export class EventBus {
  private listeners = new Set<Listener>();
  private seq = 0;

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
