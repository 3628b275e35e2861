import Type, { type TUnsafe } from '../schema/type.js';

/**
 * Units of SPEC §3. In files and API bodies a value is a number (milliseconds, bytes, bytes per
 * second) or a string with a unit; after validation every value is normalised to the number.
 * The schema marks such fields with `x-unit` so one walk over the schema finds them.
 */
export type Unit = 'duration' | 'size' | 'rate';

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;
const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$/;
const RATE = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)\/s\s*$/;

const DURATION_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const SIZE_BYTES: Record<string, number> = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 };

export const UNIT_PATTERNS: Record<Unit, string> = {
  duration: DURATION.source,
  size: SIZE.source,
  rate: RATE.source,
};

export const UNIT_HINTS: Record<Unit, string> = {
  duration: 'must be a duration like 250ms, 5s, 2m, 1h or a number of milliseconds',
  size: 'must be a size like 512, 64KiB, 1MB or a number of bytes',
  rate: 'must be a rate like 256KiB/s, 1MB/s or a number of bytes per second',
};

/**
 * The longest duration a timer can wait: Node fires a longer setTimeout after 1 ms instead, so
 * `after: 1000h` would act at once.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** The range keywords a unit schema may carry; they constrain the normalised number. */
export interface UnitRange {
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

interface UnitOptions extends UnitRange {
  description?: string;
  default?: number | string;
}

function unitSchema(unit: Unit, options: UnitOptions) {
  const { minimum, exclusiveMinimum, maximum, ...rest } = options;
  return Type.Unsafe<number>({
    type: ['number', 'string'],
    pattern: UNIT_PATTERNS[unit],
    ...(exclusiveMinimum !== undefined ? { exclusiveMinimum } : { minimum: minimum ?? 0 }),
    ...(maximum !== undefined ? { maximum } : {}),
    // Whole bytes: a fractional size would cut payloads at fractional offsets.
    ...(unit === 'size' ? { multipleOf: 1 } : {}),
    'x-unit': unit,
    ...rest,
  }) as TUnsafe<number>;
}

export const Duration = (options: UnitOptions = {}) => unitSchema('duration', { maximum: MAX_DURATION_MS, ...options });
export const Size = (options: UnitOptions = {}) => unitSchema('size', options);
export const Rate = (options: UnitOptions = {}) => unitSchema('rate', { ...options, exclusiveMinimum: 0 });
export const Probability = (options: { description?: string; default?: number } = {}) =>
  Type.Number({ minimum: 0, maximum: 1, ...options });

const UNIT_NAMES: Record<Unit, string> = { duration: 'ms', size: 'bytes', rate: 'bytes/s' };

/**
 * JSON Schema applies range keywords to numbers only, so a value written with a unit (`0B`,
 * `0KB/s`, `1000h`) passes the schema whatever it stands for; this checks the number it became.
 */
export function unitRangeProblem(range: UnitRange, written: string, value: number, unit: Unit): string | null {
  const is = `(${JSON.stringify(written)} is ${value} ${UNIT_NAMES[unit]})`;
  if (range.exclusiveMinimum !== undefined && !(value > range.exclusiveMinimum)) return `must be > ${range.exclusiveMinimum} ${is}`;
  if (range.minimum !== undefined && value < range.minimum) return `must be >= ${range.minimum} ${is}`;
  if (range.maximum !== undefined && value > range.maximum) return `must be <= ${range.maximum} ${is}`;
  return null;
}

/** The number a validated unit value stands for (ms, bytes or bytes per second). */
export function toNumber(unit: Unit, value: number | string): number {
  if (typeof value === 'number') return value;
  const pattern = unit === 'duration' ? DURATION : unit === 'size' ? SIZE : RATE;
  const m = pattern.exec(value);
  if (!m) throw new Error(`${JSON.stringify(value)} ${UNIT_HINTS[unit]}`);
  const amount = Number(m[1]);
  const factor = unit === 'duration' ? DURATION_MS[m[2]!]! : SIZE_BYTES[m[2] ?? 'B']!;
  return Math.round(amount * factor);
}

export const parseDuration = (value: number | string) => toNumber('duration', value);
export const parseSize = (value: number | string) => toNumber('size', value);
export const parseRate = (value: number | string) => toNumber('rate', value);
