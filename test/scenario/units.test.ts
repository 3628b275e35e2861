import { describe, expect, it } from 'vitest';
import { parseDuration, parseRate, parseSize } from '../../src/scenario/units.js';

describe('units (SPEC §3)', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    [750, 750],
  ])('duration %j = %i ms', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each([
    ['64KiB', 65_536],
    ['1MB', 1_000_000],
    ['1MiB', 1_048_576],
    ['512', 512],
    [100, 100],
  ])('size %j = %i bytes', (input, bytes) => expect(parseSize(input)).toBe(bytes));

  it('rate 256KiB/s = 262144 bytes per second', () => expect(parseRate('256KiB/s')).toBe(262_144));

  it.each(['5 parsecs', '-1s', '1sec', ''])('rejects %j', (input) => expect(() => parseDuration(input)).toThrow(/must be a duration/));
});
