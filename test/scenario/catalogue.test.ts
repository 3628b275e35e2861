import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { faultsMarkdown } from '../../src/faults/doc.js';
import { FAULT_EXAMPLES } from '../../src/faults/examples.js';
import { FAULTS } from '../../src/faults/index.js';
import { loadScenarioObject } from '../../src/scenario/load.js';

const builtIns = readdirSync('scenarios').map((f) => parse(readFileSync(`scenarios/${f}`, 'utf8')) as { faults?: { type: string }[]; phases?: { faults?: { type: string }[] }[] });
const typesUsed = new Set(builtIns.flatMap((s) => [...(s.faults ?? []), ...(s.phases ?? []).flatMap((p) => p.faults ?? [])]).map((f) => f.type));

describe('the registry, the docs and the examples agree', () => {
  it('docs/faults.md is what `npm run docs:faults` generates', () => {
    expect(readFileSync('docs/faults.md', 'utf8')).toBe(faultsMarkdown());
  });

  it.each(FAULTS.map((f) => f.type))('%s has a valid example and a built-in scenario that uses it', (type) => {
    const example = FAULT_EXAMPLES[type];
    expect(example, `no example for ${type}`).toBeDefined();
    expect(example!.type).toBe(type);
    expect(() => loadScenarioObject({ name: 'example', faults: [example] }, 'example')).not.toThrow();
    expect(typesUsed.has(type), `no built-in scenario uses ${type}`).toBe(true);
  });

  it('the examples name only registered types', () => {
    expect(Object.keys(FAULT_EXAMPLES).sort()).toEqual(FAULTS.map((f) => f.type).sort());
  });
});
