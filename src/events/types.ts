/** The events of SPEC §6. Every event carries seq, time, type and proxy; the rest per type. */
export interface EventBase {
  seq: number;
  time: string;
  proxy: string;
}

export interface ClientAddress {
  address: string;
  port: number;
}

export interface EventFields {
  'proxy.listening': { listen: string; target: string };
  'proxy.stopped': { listen: string; target: string };
  'connection.open': { conn: string; client: ClientAddress };
  'http.request': { conn: string; method: string; path: string; status: number };
  /** `status` is what the client got: null when it got no answer (hang-handshake, drop-handshake). */
  handshake: { conn: string; path: string; subprotocols: string[]; status: number | null; faults: string[] };
  'fault.applied': { conn?: string; fault: { name: string; type: string }; detail?: unknown };
  /** A fault let something pass that it would have acted on; `reason` says why (`message-too-large`). */
  'fault.skipped': { conn: string; fault: { name: string; type: string }; reason: string; detail?: unknown };
  'connection.close': {
    conn: string;
    by: 'client' | 'server' | 'proxy';
    how: 'close-frame' | 'fin' | 'rst';
    code?: number;
    durationMs: number;
    bytes: { up: number; down: number };
    messages: { up: number; down: number };
  };
  'scenario.changed': { from: string; to: string };
  'phase.changed': { from: string | null; to: string; scenario: string };
  'upstream.error': { conn: string; error: string };
}

export type EventType = keyof EventFields;
export type WsfaultEvent<T extends EventType = EventType> = T extends EventType
  ? EventBase & { type: T } & EventFields[T]
  : never;
