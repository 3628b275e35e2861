import { describe, expect, it } from 'vitest';
import { classify } from '../../src/report/classify.js';
import { fleetOf } from '../../src/report/fleet.js';
import { streamFor } from '../../src/scenario/prng.js';

/** Schedules of research notes B.1, replayed with a seeded PRNG for jitter and 0–4 ms timer noise. */
const rand = streamFor(7, 'classify');
const noise = () => Math.floor(rand() * 5);
const socketIo = (n: number) => Array.from({ length: n }, (_, k) => Math.min(5000, 1000 * 2 ** k * (1 + (rand() - 0.5))) + noise());
const partysocket = (n: number) => Array.from({ length: n }, (_, k) => Math.min(10_000, 3000 * 1.3 ** k) + noise());

describe('backoff classification (SPEC §11, research B.3)', () => {
  it('tells the shapes apart and prints the raw waits', () => {
    expect(classify([5, 3, 8, 2]).class).toBe('immediate');
    const fixed = classify([2001, 2003, 2000, 2002]);
    expect(fixed).toMatchObject({ class: 'fixed', fixedMs: 2002, waits: [2001, 2003, 2000, 2002] });
    expect(fixed.label).toBe('fixed ~2002 ms');
    const party = classify(partysocket(5));
    expect(party.class).toBe('exponential');
    expect(party.factor).toBeCloseTo(1.3, 1);
    expect(classify([1000, 2000, 4000, 5000, 5000, 5000])).toMatchObject({ class: 'capped', capMs: 5000 });
    expect(classify([1000, 2000, 4000, 5000, 5000])).toMatchObject({ class: 'capped', capMs: 5000 });
    expect(classify([1000, 2000]).class).toBe('insufficient');
    expect(classify([0, 2000, 10_000, 30_000]).class).toBe('table');
  });

  it('finds ×2 in socket.io’s ±50 % schedule and jitter across clients, none in partysocket’s', () => {
    const io = Array.from({ length: 20 }, () => socketIo(4).slice(0, 3));
    const ioFleet = fleetOf(io.map((w, i) => ({ key: String(i), runWaits: w, attempts: [] })), []);
    expect(ioFleet.jitter.verdict).toBe('jitter');
    expect(ioFleet.backoff.class).toBe('exponential');
    expect(ioFleet.backoff.factor).toBeGreaterThan(1.7);
    expect(ioFleet.backoff.factor).toBeLessThan(2.3);
    const party = Array.from({ length: 20 }, () => partysocket(4));
    const partyFleet = fleetOf(party.map((w, i) => ({ key: String(i), runWaits: w, attempts: [] })), []);
    expect(partyFleet.jitter.verdict).toBe('none');
    expect(partyFleet.backoff.factor).toBeCloseTo(1.3, 1);
  });

  it('reads two jittered waits that land close together as jitter, not as a cap', () => {
    // socket.io's backo2: ms·2^k, then ±floor(r·0.5·ms), the sign from floor(r·10)&1; no cap in reach.
    const jittered = () =>
      Array.from({ length: 7 }, (_, k) => {
        const ms = 100 * 2 ** k;
        const r = rand();
        const d = Math.floor(r * 0.5 * ms);
        return ((Math.floor(r * 10) & 1) === 0 ? ms - d : ms + d) + noise();
      });
    const classes: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const c = classify(jittered()).class;
      classes[c] = (classes[c] ?? 0) + 1;
    }
    // Before the growth had to be regular, 1 run in 8 (about 250 here) read as `capped`.
    expect(classes.capped ?? 0).toBeLessThanOrEqual(2);
    expect(classes.exponential).toBeGreaterThanOrEqual(1990);
    // Socket.io's own cap (5000 ms by default) is still found after its jittered growth.
    const capped = Array.from({ length: 200 }, () => classify(socketIo(8)).class).filter((c) => c === 'capped');
    expect(capped.length).toBe(200);
  });
});
