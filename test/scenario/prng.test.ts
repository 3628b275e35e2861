import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { ScenarioEngine } from '../../src/scenario/engine.js';
import { loadScenarioObject } from '../../src/scenario/load.js';
import { streamFor } from '../../src/scenario/prng.js';

const request = { path: '/ws', query: '', headers: [] as [string, string][] };

function decisions(seed: number, n: number): boolean[] {
  const random = streamFor(seed, 'c-1', 'drop-1');
  return Array.from({ length: n }, () => random() < 0.3);
}

describe('seeded randomness', () => {
  it('the same seed gives the same 10 000 decisions; another seed differs', () => {
    const a = decisions(42, 10_000);
    expect(decisions(42, 10_000)).toEqual(a);
    const b = decisions(43, 10_000);
    expect(b).not.toEqual(a);
    // And the decisions are not degenerate: close to the asked-for rate.
    const rate = a.filter(Boolean).length / a.length;
    expect(rate).toBeGreaterThan(0.27);
    expect(rate).toBeLessThan(0.33);
  });

  it("a connection's faults do not depend on how many other connections exist", () => {
    const scenario = loadScenarioObject(
      { name: 'coin', faults: [{ type: 'status', code: 503, probability: 0.5 }] },
      'inline',
    );
    const engine = (seed: number) => new ScenarioEngine({ proxy: 'p', bus: new EventBus(), seed, scenario });
    const lonely = engine(7);
    const busy = engine(7);
    for (let i = 1; i <= 500; i++) busy.decide(`c-${i}`, request);
    const ids = ['c-17', 'c-250', 'c-999', 'c-1234'];
    for (const id of ids) expect(busy.decide(id, request).length).toBe(lonely.decide(id, request).length);
    // Over many connections about half get the fault, and the same ones each time.
    const picks = (e: ScenarioEngine) => Array.from({ length: 400 }, (_, i) => e.decide(`k-${i}`, request).length);
    const first = picks(engine(7));
    expect(picks(engine(7))).toEqual(first);
    expect(first.filter(Boolean).length).toBeGreaterThan(160);
    expect(first.filter(Boolean).length).toBeLessThan(240);
  });

  it('a seed gives the draws it gave in earlier versions (a printed seed replays old runs)', () => {
    // The first three draws × 2^32, from the stream as first released (the string hashed whole).
    const first3 = (...args: Parameters<typeof streamFor>) => {
      const random = streamFor(...args);
      return [random(), random(), random()].map((x) => Math.round(x * 2 ** 32));
    };
    expect(first3(42, 'c-1', 'drop-1')).toEqual([3803174575, 3527937306, 2468788533]);
    expect(first3(7)).toEqual([374482026, 2150187769, 3252151604]);
    expect(first3(0, '')).toEqual([3886621504, 1817395996, 1644111113]);
    expect(first3(123456, 'c-17', 'probability', '0', 'x')).toEqual([544239009, 1838062203, 722855508]);
    expect(first3(5, 'ü€😀', 'a\u0000b')).toEqual([1738217315, 1926717881, 720656859]);
  });
});
