import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { WsfaultError } from '../../src/errors.js';
import { formatProblem, loadScenarioText } from '../../src/scenario/load.js';
import type { ScenarioProblem } from '../../src/scenario/types.js';
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

describe('values written with a unit are range-checked as the numbers they stand for', () => {
  // JSON Schema's minimum/maximum apply to numbers only; `0.1B` or `1000h` would slip through.
  const problems = (fault: object) => {
    try {
      loadScenarioText(stringify({ name: 'x', faults: [fault] }), 'x.yaml');
      return [];
    } catch (error) {
      return ((error as WsfaultError).details as ScenarioProblem[]).map(formatProblem);
    }
  };

  it.each([
    [{ type: 'fragment-messages', size: '0.1B' }, 'x.yaml:4:11  faults[0].size: must be > 0 ("0.1B" is 0 bytes)'],
    [{ type: 'bandwidth', rate: '0KB/s' }, 'x.yaml:4:11  faults[0].rate: must be > 0 ("0KB/s" is 0 bytes/s)'],
    [{ type: 'latency', delay: '1000h' }, 'x.yaml:4:12  faults[0].delay: must be <= 2147483647 ("1000h" is 3600000000 ms)'],
    [{ type: 'close', after: '600h' }, 'x.yaml:4:12  faults[0].after: must be <= 2147483647 ("600h" is 2160000000 ms)'],
    [{ type: 'inject-messages', size: '2GiB' }, 'x.yaml:4:11  faults[0].size: must be <= 1073741824 ("2GiB" is 2147483648 bytes)'],
    [{ type: 'slice', size: 1.5 }, 'x.yaml:4:11  faults[0].size: must be a whole number of bytes'],
    [{ type: 'latency', delay: 3_000_000_000 }, 'x.yaml:4:12  faults[0].delay: must be <= 2147483647'],
  ])('%j', (fault, expected) => expect(problems(fault)).toEqual([expected]));

  it('a phase lasts longer than 0', () => {
    const text = stringify({ name: 'x', loop: true, phases: [{ name: 'a', duration: '0s' }] });
    expect(() => loadScenarioText(text, 'x.yaml')).toThrow(/phases\[0\]\.duration: must be > 0 \("0s" is 0 ms\)/);
  });

  it('sizes and durations in range still load', () => {
    expect(problems({ type: 'fragment-messages', size: '1B' })).toEqual([]);
    expect(problems({ type: 'latency', delay: '596h' })).toEqual([]);
  });
});
