/** GET /toxics/types (an addition to Toxiproxy's API): every toxic type and its attributes as JSON Schema. */
import { FAULTS } from '../faults/index.js';
import { TOXIC_TYPES, WS_PREFIX, wsFaultTypes } from './toxics.js';

export interface ToxicTypeJson {
  type: string;
  summary: string;
  attributes: object;
}

const SUMMARIES: Record<string, string> = {
  latency: 'delays every read by latency ± jitter ms',
  bandwidth: 'limits throughput to rate KB/s (0: nothing passes)',
  slow_close: 'holds the close for delay ms',
  timeout: 'drops all data; closes after timeout ms (0: never)',
  reset_peer: 'TCP RST timeout ms after the first data',
  slicer: 'cuts reads into pieces of about average_size bytes, delay µs apart',
  limit_data: 'closes once bytes bytes have passed',
  noop: 'passes everything unchanged',
};

export function toxicTypes(): ToxicTypeJson[] {
  const toxiproxy = Object.entries(TOXIC_TYPES).map(([type, def]) => ({
    type,
    summary: SUMMARIES[type] ?? '',
    attributes: { type: 'object', properties: Object.fromEntries(Object.keys(def.attributes).map((k) => [k, { type: 'integer' }])) },
  }));
  const ws = wsFaultTypes().map((type) => {
    const fault = FAULTS.find((f) => f.type === type)!;
    return { type: `${WS_PREFIX}${type}`, summary: fault.summary, attributes: fault.params as object };
  });
  return [...toxiproxy, ...ws];
}
