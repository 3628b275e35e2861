/**
 * `npm run build` compiles the scenario, fault and config schemas into standalone validators
 * (scripts/build-artifacts.mjs) so start-up loads no ajv compiler. These run against dist/ (the
 * tests of src/ exercise the ajv fallback): every schema loading asks for is precompiled, a
 * precompiled validator reports exactly the errors ajv's compiled one does, and a fault type
 * registered at run time still validates (its envelope is not precompiled: ajv compiles it).
 * The built-in scenarios parsed at build time load to exactly what parsing their YAML gives.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { loadScenarioText as loadFromSource } from '../../src/scenario/load.js';
// dist/ as built (pretest builds it), typed by its source; imported by URL so typechecking
// does not need a build.
const fromDist = <T>(path: string): Promise<T> => import(new URL(`../../dist/${path}`, import.meta.url).href) as Promise<T>;
const { ConfigSchema } = await fromDist<typeof import('../../src/scenario/config.js')>('scenario/config.js');
const { FAULTS, registerFault } = await fromDist<typeof import('../../src/faults/index.js')>('faults/index.js');
const { loadScenarioFile, loadScenarioObject, loadScenarioText } = await fromDist<typeof import('../../src/scenario/load.js')>('scenario/load.js');
const { envelopeSchema, faultEntrySchema } = await fromDist<typeof import('../../src/scenario/schema.js')>('scenario/schema.js');
const { loadBuiltIn } = await fromDist<typeof import('../../src/scenario/built-in-cache.js')>('scenario/built-in-cache.js');
const { BUILT_IN_DIR, scenarioFiles } = await fromDist<typeof import('../../src/scenario/library.js')>('scenario/library.js');
const { AJV_OPTIONS, isPrecompiled, validatorFor } = await fromDist<typeof import('../../src/scenario/validate.js')>('scenario/validate.js');

type Validate = ((value: unknown) => boolean) & { errors?: unknown[] | null };
const compiled = (schema: object) => new Ajv(AJV_OPTIONS).compile(schema) as Validate;
const errorsOf = (validate: Validate, value: unknown) => (validate(value) ? [] : JSON.parse(JSON.stringify(validate.errors)));

const BAD_SCENARIOS: unknown[] = [
  { name: 'x', faults: [{ type: 'latency' }] },
  { name: 'x', faults: [{ type: 'latecny', delay: 1 }] },
  { name: 'bad name!', extra: true, loop: 'yes', phases: [] },
  { name: 'x', phases: [{ name: 'a', duration: '5 parsecs', faults: 3 }] },
  { name: 'x', faults: [{ type: 7 }, 'latency', null] },
  'not an object',
];

describe('validators compiled at build time', () => {
  const entries = FAULTS.map((definition) => [definition.type, faultEntrySchema(definition) as object] as const);

  it('cover the envelope, the config file and every built-in fault type', () => {
    expect(isPrecompiled(envelopeSchema())).toBe(true);
    expect(isPrecompiled(ConfigSchema)).toBe(true);
    expect(entries.filter(([, schema]) => !isPrecompiled(schema)).map(([type]) => type)).toEqual([]);
  });

  it('report the same errors as ajv compiling the same schema now', () => {
    for (const value of BAD_SCENARIOS) expect(errorsOf(validatorFor(envelopeSchema()), value)).toEqual(errorsOf(compiled(envelopeSchema()), value));
    for (const [type, schema] of entries) {
      for (const value of [{ type }, { type, name: '!', probability: 2, after: 'soon', match: { path: 1 }, nope: true }, { type, delay: -1, rate: 'x', direction: 'sideways' }]) {
        expect(errorsOf(validatorFor(schema), value)).toEqual(errorsOf(compiled(schema), value));
      }
    }
    const config = { proxies: [{ name: 'a', listen: ':1' }], seed: -1, maxMessageBuffer: '1 parsec' };
    expect(errorsOf(validatorFor(ConfigSchema), config)).toEqual(errorsOf(compiled(ConfigSchema), config));
  });

  it('give the same located messages as ajv (src/, no precompiled validators) for a file with five mistakes', () => {
    const text = readFileSync('test/fixtures/scenarios/five-mistakes.yaml', 'utf8');
    const message = (load: (text: string, file: string) => unknown) => {
      try {
        load(text, 'five-mistakes.yaml');
      } catch (error) {
        return (error as Error).message;
      }
      return 'loaded';
    };
    const fromDist = message(loadScenarioText);
    expect(fromDist.split('\n').length).toBeGreaterThanOrEqual(6);
    expect(fromDist).toBe(message(loadFromSource));
  });

  it('a fault type registered at run time is validated by ajv compiled on demand', () => {
    registerFault({
      type: 'precompiled-probe',
      layer: 'transport',
      summary: 'probe',
      params: Type.Object({ level: Type.Integer({ minimum: 1 }) }),
      explain: () => 'probe',
      create: () => ({}),
    });
    expect(isPrecompiled(envelopeSchema())).toBe(false);
    expect(loadScenarioObject({ name: 'x', faults: [{ type: 'precompiled-probe', level: 2 }] }, 'api').phases[0].faults).toHaveLength(1);
    expect(() => loadScenarioObject({ name: 'x', faults: [{ type: 'precompiled-probe', level: 0 }] }, 'api')).toThrow(/level.*>= 1/s);
    expect(() => loadScenarioObject({ name: 'x', faults: [{ type: 'precompiled-prob' }] }, 'api')).toThrow(/did you mean "precompiled-probe"/);
  });
});

describe('built-in scenarios parsed at build time', () => {
  it('load to what parsing each YAML file gives', () => {
    const files = scenarioFiles(BUILT_IN_DIR);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(loadBuiltIn(file, { source: 'built-in' })).toEqual(loadScenarioFile(file, { source: 'built-in' }));
  });

  it('a file changed since the build is parsed from its text, not taken from the cache', async () => {
    const { mkdtempSync, writeFileSync, readFileSync: read } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'wsfault-')), 'passthrough.yaml');
    writeFileSync(file, read(join(BUILT_IN_DIR, 'passthrough.yaml'), 'utf8').replace(/description: .*\n(\s+.*\n)*/, 'description: changed\n'));
    expect(loadBuiltIn(file, { source: 'built-in' }).description).toBe('changed');
  });
});
