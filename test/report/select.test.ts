import { describe, expect, it } from 'vitest';
import { medianOf } from '../../src/report/select.js';
import { streamFor } from '../../src/scenario/prng.js';

describe('medianOf', () => {
  it('is the median a sort gives, on 2 000 seeded columns with repeats, runs and odd and even lengths', () => {
    const r = streamFor(11, 'median');
    for (let t = 0; t < 2_000; t++) {
      const n = 1 + Math.floor(r() * 60);
      const kind = t % 4;
      const values = Float64Array.from({ length: n }, (_, i) => (kind === 0 ? Math.floor(r() * 5) : kind === 1 ? i : kind === 2 ? n - i : r() * 1e4));
      const sorted = Float64Array.from(values).sort();
      const want = n % 2 === 1 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
      expect(medianOf(Float64Array.from(values)), `case ${t}: ${values.join(',')}`).toBe(want);
    }
  });
});
