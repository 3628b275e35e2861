import Type, { type TUnsafe } from 'typebox';

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

function unitSchema(unit: Unit, options: { description?: string; default?: number | string; minimum?: number; exclusiveMinimum?: number }) {
  const { minimum, exclusiveMinimum, ...rest } = options;
  return Type.Unsafe<number>({
    type: ['number', 'string'],
    pattern: UNIT_PATTERNS[unit],
    ...(exclusiveMinimum !== undefined ? { exclusiveMinimum } : { minimum: minimum ?? 0 }),
    'x-unit': unit,
    ...rest,
  }) as TUnsafe<number>;
}

export const Duration = (options: { description?: string; default?: number | string } = {}) => unitSchema('duration', options);
export const Size = (options: { description?: string; default?: number | string; exclusiveMinimum?: number } = {}) => unitSchema('size', options);
export const Rate = (options: { description?: string; default?: number | string } = {}) => unitSchema('rate', { ...options, exclusiveMinimum: 0 });
export const Probability = (options: { description?: string; default?: number } = {}) =>
  Type.Number({ minimum: 0, maximum: 1, ...options });

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
