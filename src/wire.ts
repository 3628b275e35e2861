/**
 * The JSON that leaves wsfault (SPEC §5 answers, SPEC §6 events), as TypeBox schemas and the
 * types derived from them. Route response schemas, the OpenAPI document, the events bus, the
 * programmatic API and WsfaultClient all take their shapes from here, so a field is added once.
 *
 * This module is published with the client's types: it imports nothing from node: and nothing
 * from the proxy, so `wsfault/client` type-checks in a browser project.
 */
import Type, { type Static, type TSchema } from './schema/type.js';

/** A string from a closed set, as `{type: string, enum}` (what OpenAPI readers show best). */
const OneOf = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

/**
 * A string or integer that may be null, as a JSON type array rather than an anyOf: Fastify's
 * serializer (fast-json-stringify) writes a type array with typeof checks, but for an anyOf it
 * compiles an ajv validator of the whole response schema at the first answer (measured: the
 * process's first PUT /proxies/:name/scenario took 129 ms of CPU, the next ones 5–12).
 */
const Nullable = <K extends 'string' | 'integer'>(type: K, description?: string) =>
  Type.Unsafe<(K extends 'string' ? string : number) | null>({ type: [type, 'null'], ...(description ? { description } : {}) });

/** Any JSON value, passed through the serializer as it is. */
const AnyJson = (description: string) => Type.Unknown({ description });

/** A JSON object whose keys are not fixed (fault parameters, JSON Schemas). */
const AnyObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

const Count = Type.Integer({ minimum: 0 });

/** Bytes or messages each way: up is what clients sent, down what they received. */
export const Traffic = Type.Object({ up: Count, down: Count });
export type Traffic = Static<typeof Traffic>;

export const ClientAddress = Type.Object({ address: Type.String(), port: Type.Integer() });
export type ClientAddress = Static<typeof ClientAddress>;

export const CONNECTION_STATES = ['head', 'http', 'handshake', 'websocket', 'tunnel', 'closing', 'closed'] as const;
export type ConnectionState = (typeof CONNECTION_STATES)[number];

/** One open connection (GET /proxies/:name/connections, `connections()`). */
export const ConnectionInfo = Type.Object({
  id: Type.String(),
  client: ClientAddress,
  path: Type.String(),
  subprotocol: Nullable('string'),
  ageMs: Count,
  state: OneOf(CONNECTION_STATES),
  bytes: Traffic,
  messages: Traffic,
  faults: Type.Array(Type.String(), { description: 'names of the faults in force on this connection' }),
});
export type ConnectionInfo = Static<typeof ConnectionInfo>;

/** An ad-hoc fault added on top of a proxy's scenario. */
export const FaultView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  params: AnyObject('the type’s parameters, defaults filled in, units as numbers'),
});
export type FaultView = Static<typeof FaultView>;

export const ProxyView = Type.Object({
  name: Type.String(),
  listen: Type.String(),
  url: Type.String(),
  target: Type.String(),
  enabled: Type.Boolean(),
  scenario: Type.String(),
  phase: Nullable('string', 'the phase in force; null for a scenario without a timeline'),
  faults: Type.Array(FaultView),
  connections: Count,
});
export type ProxyView = Static<typeof ProxyView>;

export const ScenarioSummary = Type.Object({
  name: Type.String(),
  description: Type.String(),
  source: Type.String({ description: 'a file path, built-in, or api' }),
});
export type ScenarioSummary = Static<typeof ScenarioSummary>;

/** A scenario as loaded (defaults filled in, units as numbers); its shape is the scenario schema's. */
export const ScenarioDocument = AnyJson('a loaded scenario (see schema/scenario.schema.json for the file format)');

/** One entry of GET /faults. */
export const FaultType = Type.Object({
  type: Type.String(),
  layer: OneOf(['transport', 'handshake', 'messages', 'tls'] as const),
  summary: Type.String(),
  params: Type.Unsafe<object>({ type: 'object', additionalProperties: true, description: 'JSON Schema of the type’s parameters' }),
});
export type FaultType = Static<typeof FaultType>;

export const Killed = Type.Object({ killed: Type.Array(Type.String(), { description: 'ids of the connections being closed' }) });
export type Killed = Static<typeof Killed>;

/** What a proxy's listener is doing (GET /health): only `listening` accepts clients. */
export const PROXY_STATES = ['starting', 'listening', 'disabled', 'failed', 'stopped'] as const;
export type ProxyState = (typeof PROXY_STATES)[number];

export const ProxyHealth = Type.Object({
  name: Type.String(),
  state: OneOf(PROXY_STATES, 'starting: not listening yet; disabled: PATCH enabled: false; failed: could not listen (see error); stopped: shutting down'),
  listen: Type.String({ description: 'the address it listens on, or is to listen on' }),
  error: Type.Optional(Type.String({ description: 'why it could not listen (state failed)' })),
});
export type ProxyHealth = Static<typeof ProxyHealth>;

/** GET /health (SPEC §5 readiness): 200 with status ok once every proxy listens, else 503 with status unavailable. */
export const Health = Type.Object({
  status: OneOf(['ok', 'unavailable'] as const),
  version: Type.String(),
  up: Type.Array(Type.String(), { description: 'proxies that accept clients' }),
  down: Type.Array(Type.String(), { description: 'proxies that do not (the reason of a 503)' }),
  proxies: Type.Array(ProxyHealth),
});
export type Health = Static<typeof Health>;
export const Version = Type.Object({ version: Type.String() });

/** SPEC §5's error body. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'a WSFAULT_* code' }),
    message: Type.String(),
    details: Type.Array(AnyJson('what was wrong, where it is known')),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;

/** SPEC §6: the fields each event type carries on top of seq, time, type and proxy. */
const Listening = Type.Object({ listen: Type.String(), target: Type.String() });
const Switch = Type.Object({ from: Type.String(), to: Type.String() });
export const EventSchemas = {
  'proxy.listening': Listening,
  'proxy.stopped': Listening,
  'connection.open': Type.Object({ conn: Type.String(), client: ClientAddress }),
  'http.request': Type.Object({ conn: Type.String(), method: Type.String(), path: Type.String(), status: Type.Integer() }),
  handshake: Type.Object({
    conn: Type.String(),
    path: Type.String(),
    subprotocols: Type.Array(Type.String()),
    status: Nullable('integer', 'what the client got: null when it got no answer'),
    faults: Type.Array(Type.String()),
  }),
  'fault.applied': Type.Object({
    conn: Type.Optional(Type.String()),
    fault: Type.Object({ name: Type.String(), type: Type.String() }),
    detail: Type.Optional(AnyJson('what the fault did, per type')),
  }),
  /** A fault let something pass that it would have acted on; `reason` says why (`message-too-large`). */
  'fault.skipped': Type.Object({
    conn: Type.String(),
    fault: Type.Object({ name: Type.String(), type: Type.String() }),
    reason: Type.String(),
    detail: Type.Optional(AnyJson('what was let through, per reason')),
  }),
  'connection.close': Type.Object({
    conn: Type.String(),
    by: OneOf(['client', 'server', 'proxy'] as const),
    how: OneOf(['close-frame', 'fin', 'rst'] as const),
    code: Type.Optional(Type.Integer()),
    durationMs: Count,
    bytes: Traffic,
    messages: Traffic,
  }),
  'scenario.changed': Switch,
  'phase.changed': Type.Object({ from: Nullable('string'), to: Type.String(), scenario: Type.String() }),
  'upstream.error': Type.Object({ conn: Type.String(), error: Type.String() }),
  /** A TLS handshake with a client finished (SPEC §10). */
  'tls.handshake': Type.Object({
    conn: Type.String(),
    sni: Nullable('string', 'the server name the client asked for; null without SNI'),
    alpn: Nullable('string', 'the protocol ALPN chose; null when the client offered none'),
    version: Type.String({ description: 'TLSv1.3, TLSv1.2 …' }),
    resumed: Type.Boolean(),
  }),
  /** A TLS handshake with a client did not finish; `cause` as the proxy could tell it. */
  'tls.error': Type.Object({
    conn: Type.String(),
    cause: OneOf(['cert-rejected', 'closed', 'reset', 'timeout', 'protocol'] as const),
    detail: Type.String(),
  }),
  /** Something threw while handling a connection (a fault's hook, named in `fault`, or a bug): that connection was reset. */
  'fault.error': Type.Object({
    conn: Type.String(),
    fault: Type.Optional(Type.Object({ name: Type.String(), type: Type.String() })),
    error: Type.String(),
  }),
};

export type EventFields = { [T in keyof typeof EventSchemas]: Static<(typeof EventSchemas)[T]> };
export type EventType = keyof EventFields;

/** Every event carries these; the rest per type. */
export interface EventBase {
  seq: number;
  time: string;
  proxy: string;
}

export type WsfaultEvent<T extends EventType = EventType> = T extends EventType ? EventBase & { type: T } & EventFields[T] : never;

/** One event as the /events stream and the events file carry it (for the OpenAPI document). */
export const EventSchema: TSchema = Type.Union(
  Object.entries(EventSchemas).map(([type, fields]) =>
    Type.Object({ seq: Count, time: Type.String({ format: 'date-time' }), type: Type.Literal(type), proxy: Type.String(), ...fields.properties }),
  ),
);
