/**
 * The reconnect report (SPEC §11) as TypeBox schemas and the types derived from them: the same
 * source gives the TypeScript types, the route's response schema and schema/report.schema.json.
 * Times are ms since the epoch; durations are ms. The dashboard draws its timeline from
 * `clients[].attempts` and `faults` directly (docs: /work/report-contract.md, schema below).
 */
import Type, { type Static } from '../schema/type.js';

const OneOf = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
const Ms = (description: string) => Type.Number({ description });
const MaybeMs = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });
const Count = Type.Integer({ minimum: 0 });

export const OUTCOMES = ['upgraded', 'http', 'rejected', 'reset', 'closed', 'timeout', 'tls-error', 'open'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const BACKOFF_CLASSES = ['immediate', 'fixed', 'exponential', 'table', 'capped', 'insufficient'] as const;
export type BackoffClass = (typeof BACKOFF_CLASSES)[number];

export const ReportAttempt = Type.Object({
  id: Type.Integer({ description: 'logical attempt number within the client, from 1' }),
  conns: Type.Array(Type.String(), { description: 'the TCP connections merged into this attempt (engine.io polling + upgrade, a browser\'s own retry)' }),
  proxy: Type.String({ description: 'the proxy (listener) it arrived at, as named in /proxies: with conns, what finds its connections there' }),
  start: Ms('when its first connection was accepted'),
  end: MaybeMs('when its last connection ended; null while one is open'),
  outcome: OneOf(OUTCOMES, 'upgraded: got a 101; http: plain requests only (engine.io polling that never upgraded); rejected: a non-101 answer to the upgrade; reset/closed: TCP ended before any answer (RST/FIN); timeout: a 408 answer; tls-error: the TLS handshake with the client failed (wsfault --tls); open: nothing decided yet'),
  status: Type.Optional(Type.Integer({ description: 'HTTP status the client got for its upgrade' })),
  upgradedAt: Type.Optional(Ms('when the 101 reached the client')),
  firstMessageAt: Type.Optional(Ms('when the client sent its first data message on this attempt')),
  closeCode: Type.Optional(Type.Integer()),
  closedBy: Type.Optional(OneOf(['client', 'server', 'proxy'] as const)),
  how: Type.Optional(OneOf(['close-frame', 'fin', 'rst'] as const)),
  method: Type.Optional(Type.String()),
  path: Type.Optional(Type.String()),
  faults: Type.Array(Type.String(), { description: 'types of the faults that acted on it' }),
});
export type ReportAttempt = Static<typeof ReportAttempt>;

export const Backoff = Type.Object({
  class: OneOf(BACKOFF_CLASSES),
  label: Type.String({ description: 'e.g. "exponential ×2", "fixed ~2000 ms", "capped at 5000 ms"' }),
  waits: Type.Array(Type.Number(), { description: 'the waits classified: the longest run of retries after one loss' }),
  factor: Type.Optional(Type.Number({ description: 'growth per retry G (exp of the slope of ln wait)' })),
  fixedMs: Type.Optional(Type.Number()),
  capMs: Type.Optional(Type.Number()),
  medianMs: Type.Optional(Type.Number()),
});
export type Backoff = Static<typeof Backoff>;

export const Recovery = Type.Object({
  fault: Type.String({ description: 'the fault type that ended the connection (or the first failed attempt)' }),
  at: Ms('when the connection was lost'),
  upgradeAfter: MaybeMs('ms to the next 101; null: none yet'),
  messageAfter: MaybeMs('ms to the next data message the client sent; null: none yet'),
});
export type Recovery = Static<typeof Recovery>;

export const ExpectationResult = Type.Object({
  name: Type.String({ description: 'reconnect.within, minWait, jitter, herd, maxAttempts, resumes' }),
  pass: Type.Boolean(),
  evidence: Type.String(),
});
export type ExpectationResult = Static<typeof ExpectationResult>;

export const ReportClient = Type.Object({
  key: Type.String(),
  keyedBy: Type.String({ description: 'the --client-key spec that gave the key (or "address" for attempts without a request)' }),
  attempts: Type.Array(ReportAttempt),
  waits: Type.Array(Type.Number(), { description: 'every wait: from the end of an attempt to the start of the next' }),
  backoff: Backoff,
  gaveUp: Type.Union([Type.Object({ after: Count }), Type.Null()], { description: 'no attempt followed in max(3 × last wait, last wait + 30 s): after N attempts of the last run' }),
  recovery: Type.Array(Recovery),
  expectations: Type.Array(ExpectationResult),
});
export type ReportClient = Static<typeof ReportClient>;

export const JitterIndex = Type.Object({ k: Count, n: Count, meanMs: Type.Number(), sdMs: Type.Number(), jitter: Type.Boolean() });
export const Fleet = Type.Object({
  clients: Count,
  schedule: Type.Array(Type.Number(), { description: 'median k-th wait across clients' }),
  backoff: Backoff,
  jitter: Type.Object({
    verdict: OneOf(['jitter', 'none', 'insufficient'] as const, 'jitter when most attempt indices with ≥ 2 clients have sd > max(5 % of mean, 25 ms)'),
    perIndex: Type.Array(JitterIndex),
  }),
  herd: Type.Object({
    verdict: OneOf(['herd', 'no-herd', 'insufficient'] as const, 'herd when largestShare ≥ 0.5; insufficient when no fault hit ≥ 3 clients at once'),
    fault: Type.Union([Type.String(), Type.Null()]),
    at: MaybeMs('the fault moment measured'),
    clients: Count,
    spreadMs: Type.Object({ p10: Type.Number(), p50: Type.Number(), p90: Type.Number(), spread: Type.Number() }, { description: 'first retry after the fault, ms after it' }),
    largestShare: Type.Number({ description: 'largest share of those clients whose first retry fell in one 100 ms window' }),
    peakPerSecond: Count,
  }),
});
export type Fleet = Static<typeof Fleet>;

export const FaultMoment = Type.Object({
  at: Ms('first time the fault acted'),
  type: Type.String(),
  conns: Type.Array(Type.String()),
  proxies: Type.Array(Type.String(), { description: "each of conns' proxy, in the same order: connection ids are numbered per proxy" }),
});
export type FaultMoment = Static<typeof FaultMoment>;

export const Report = Type.Object(
  {
    version: Type.Literal(1),
    startedAt: Ms('start, or the last POST /report/reset'),
    generatedAt: Ms('when this report was built'),
    clientKey: Type.Object({
      specs: Type.Array(Type.String()),
      weak: Type.Boolean({ description: 'true when some clients are told apart only by address and user agent' }),
      note: Type.String(),
    }),
    mergeWindowMs: Type.Number(),
    attempts: Type.Object({ total: Count, kept: Count, dropped: Count, cap: Count }),
    faults: Type.Array(FaultMoment),
    clients: Type.Array(ReportClient),
    fleet: Fleet,
    expectations: Type.Array(
      Type.Object({ name: Type.String(), pass: Type.Boolean(), evidence: Type.String(), failing: Type.Array(Type.String()) }),
    ),
    verdict: OneOf(['pass', 'fail', 'none'] as const, 'none: the scenario has no expect:'),
  },
  { $id: 'https://wsfault.dev/schema/report.schema.json', title: 'wsfault reconnect report' },
);
export type Report = Static<typeof Report>;

/** What schema/report.schema.json holds: the report schema with its JSON Schema dialect. */
export function publishedReportSchema(): object {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(Report as object) };
}
