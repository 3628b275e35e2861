import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { publishedScenarioSchema } from '../../src/scenario/schema.js';

const committed = JSON.parse(readFileSync('schema/scenario.schema.json', 'utf8'));

describe('schema/scenario.schema.json', () => {
  it('is what the TypeBox source generates (run `npm run schema` after changing a fault)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(publishedScenarioSchema())));
  });

  const validate = new Ajv({ strict: false, allowUnionTypes: true, allErrors: true }).compile(committed);

  it.each(readdirSync('scenarios').filter((f) => f.endsWith('.yaml')))('accepts the built-in %s', (file) => {
    const ok = validate(parse(readFileSync(`scenarios/${file}`, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('rejects the bad fixtures', () => {
    expect(validate(parse(readFileSync('test/fixtures/scenarios/five-mistakes.yaml', 'utf8')))).toBe(false);
    for (const bad of [
      { name: 'x', faults: [{ type: 'latency' }] }, // missing delay
      { name: 'x', faults: [{ type: 'latency', delay: '5 parsecs' }] },
      { name: 'x', faults: [{ type: 'latency', delay: 1, probability: 2 }] },
      { name: 'x', extra: true },
      { name: 'x', phases: [{ name: 'a', duration: '1s', faults: [{ type: 'nope' }] }] },
    ]) {
      expect(validate(bad)).toBe(false);
    }
  });

  it('starts every scenario file with the yaml-language-server schema comment', () => {
    for (const file of readdirSync('scenarios')) {
      expect(readFileSync(`scenarios/${file}`, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/scenario.schema.json');
    }
  });
});
