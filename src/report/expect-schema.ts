import Type from '../schema/type.js';
import { Duration, toNumber, unitRangeProblem } from '../scenario/units.js';

/**
 * `expect:` in a scenario (SPEC §11): what a healthy client does. Validated with the rest of the
 * scenario (located errors); durations as in every other key (`10s`, `500ms`, a number of ms).
 */
export const ExpectSchema = Type.Object(
  {
    reconnect: Type.Optional(
      Type.Object(
        { within: Duration({ exclusiveMinimum: 0, description: 'every client that lost a connection opened a new one this soon' }) },
        { additionalProperties: false },
      ),
    ),
    minWait: Type.Optional(Duration({ description: 'no retry sooner than this after a failure' })),
    jitter: Type.Optional(Type.Boolean({ description: 'retries are spread across clients (true) or not (false)' })),
    herd: Type.Optional(Type.Boolean({ description: 'false: no more than half the fleet retries in one 100 ms window' })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, description: 'per client, over the run' })),
    resumes: Type.Optional(Type.Boolean({ description: 'after reconnecting, the client sent a message again' })),
  },
  { additionalProperties: false, description: 'what a healthy client does; the reconnect report marks each pass or fail (SPEC §11)' },
);

/** `expect:` after loading: durations in ms. */
export interface Expectations {
  reconnectWithinMs?: number;
  minWaitMs?: number;
  jitter?: boolean;
  herd?: boolean;
  maxAttempts?: number;
  resumes?: boolean;
}

type Problem = (segments: (string | number)[], message: string) => void;
interface RawExpect {
  reconnect?: { within?: number | string };
  minWait?: number | string;
  jitter?: boolean;
  herd?: boolean;
  maxAttempts?: number;
  resumes?: boolean;
}

/** Durations written with a unit passed the schema by their form; their numbers must be in range too. */
export function expectRangeProblems(raw: unknown, problem: Problem): void {
  if (typeof raw !== 'object' || raw === null) return;
  const e = raw as RawExpect;
  const check = (schema: object, value: unknown, at: string[]) => {
    if (typeof value !== 'string') return;
    try {
      const message = unitRangeProblem(schema, value, toNumber('duration', value), 'duration');
      if (message) problem(['expect', ...at], message);
    } catch {
      // a malformed value: the schema's pattern error says so
    }
  };
  check(ExpectSchema.properties.reconnect.properties.within, e.reconnect?.within, ['reconnect', 'within']);
  check(ExpectSchema.properties.minWait, e.minWait, ['minWait']);
}

/** `expect:` as the report uses it: durations in ms, absent keys left out. */
export function normaliseExpect(raw: unknown): Expectations {
  const e = raw as RawExpect;
  const out: Expectations = {};
  if (e.reconnect?.within !== undefined) out.reconnectWithinMs = toNumber('duration', e.reconnect.within);
  if (e.minWait !== undefined) out.minWaitMs = toNumber('duration', e.minWait);
  for (const key of ['jitter', 'herd', 'maxAttempts', 'resumes'] as const) if (e[key] !== undefined) (out as Record<string, unknown>)[key] = e[key];
  return out;
}
