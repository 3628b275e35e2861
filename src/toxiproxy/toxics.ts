/**
 * Toxiproxy's toxic types: their attributes (Go field types, in Toxiproxy's order, zero when
 * absent) and the wsfault fault each becomes, with Toxiproxy's units turned into ours.
 */
import type { FaultEntry } from '../app.js';
import { FAULTS } from '../faults/index.js';
import { ERRORS, goTypeError, type ToxiError } from './errors.js';

export type Stream = 'upstream' | 'downstream';
type GoInt = 'int64' | 'int';

interface ToxicType {
  /** Go struct name, for decode errors. */
  struct: string;
  attributes: Record<string, GoInt>;
  /** The fault that does what the toxic does (name, probability and so on are added by the caller). */
  fault(a: Record<string, number>, direction: Stream): FaultEntry;
}

const noop = (): FaultEntry => ({ type: 'toxiproxy-noop' });

export const TOXIC_TYPES: Record<string, ToxicType> = {
  latency: {
    struct: 'LatencyToxic',
    attributes: { latency: 'int64', jitter: 'int64' },
    fault: (a, direction) => ({ type: 'latency', delay: Math.max(0, a.latency!), jitter: Math.max(0, a.jitter!), direction }),
  },
  bandwidth: {
    struct: 'BandwidthToxic',
    attributes: { rate: 'int64' },
    // KB/s where 1 KB = 1000 B. 0 stalls the direction for good (nothing passes); below 0: no limit.
    fault: (a, direction) => (a.rate! > 0 ? { type: 'bandwidth', rate: a.rate! * 1000, direction } : a.rate === 0 ? { type: 'blackhole', direction } : noop()),
  },
  slow_close: {
    struct: 'SlowCloseToxic',
    attributes: { delay: 'int64' },
    fault: (a, direction) => ({ type: 'toxiproxy-slow-close', delay: Math.max(0, a.delay!), direction }),
  },
  timeout: {
    struct: 'TimeoutToxic',
    attributes: { timeout: 'int64' },
    fault: (a, direction) => ({ type: 'toxiproxy-timeout', timeout: Math.max(0, a.timeout!), direction }),
  },
  reset_peer: {
    struct: 'ResetToxic',
    attributes: { timeout: 'int64' },
    fault: (a, direction) => ({ type: 'toxiproxy-reset-peer', timeout: Math.max(0, a.timeout!), direction }),
  },
  slicer: {
    struct: 'SlicerToxic',
    attributes: { average_size: 'int', size_variation: 'int', delay: 'int' },
    fault: (a, direction) => ({ type: 'toxiproxy-slicer', averageSize: a.average_size!, sizeVariation: a.size_variation!, delayUs: Math.max(0, a.delay!), direction }),
  },
  limit_data: {
    struct: 'LimitDataToxic',
    attributes: { bytes: 'int64' },
    fault: (a, direction) => ({ type: 'limit-data', bytes: Math.max(0, a.bytes!), direction }),
  },
  noop: { struct: 'NoopToxic', attributes: {}, fault: noop },
};

/** The prefix of the toxic types that are wsfault faults: `ws.close-frame`, `ws.status`, … */
export const WS_PREFIX = 'ws.';

/** Faults a `ws.*` toxic may name: every registered type except the Toxiproxy adapter's own. */
export function wsFaultTypes(): string[] {
  return FAULTS.map((f) => f.type).filter((t) => !t.startsWith('toxiproxy-'));
}

export function isToxicType(type: string): boolean {
  if (Object.hasOwn(TOXIC_TYPES, type)) return true;
  return type.startsWith(WS_PREFIX) && wsFaultTypes().includes(type.slice(WS_PREFIX.length));
}

/**
 * Decodes `attributes` into a toxic's fields as Go's encoding/json would: absent fields keep
 * `base` (zero for a new toxic), unknown keys are ignored, a wrong type is a 400.
 */
export function decodeAttributes(type: string, given: unknown, base: Record<string, number> | null): Record<string, number> {
  const def = TOXIC_TYPES[type]!;
  const out: Record<string, number> = {};
  for (const field of Object.keys(def.attributes)) out[field] = base?.[field] ?? 0;
  if (given === undefined || given === null) return out;
  if (typeof given !== 'object' || Array.isArray(given)) throw goTypeError(given, 'ToxicWrapper.attributes', 'toxics.Toxic');
  for (const [field, goType] of Object.entries(def.attributes)) {
    const value = (given as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw goTypeError(value, `${def.struct}.attributes.${field}`, goType);
    out[field] = value;
  }
  return out;
}

/** Where a toxic's attributes break the fault they map to, in Toxiproxy's error shape. */
export function badAttributes(message: string): ToxiError {
  return ERRORS.badRequestBody.with(message);
}
