import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv as AjvClass, ErrorObject, Options, ValidateFunction } from 'ajv';
import { BUILD_DIR } from '../package-root.js';

/**
 * One validator per schema, reporting every error (allErrors). Unknown keywords (`x-unit`) are
 * annotations, hence strict: false; verbose: errors carry the offending data and the schema
 * around it (for x-unit hints).
 */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, allowUnionTypes: true, verbose: true };

const require = createRequire(import.meta.url);
const cache = new WeakMap<object, ValidateFunction>();

/** What identifies a schema among the precompiled ones: a hash of its JSON. */
export function schemaKey(schema: object): string {
  return createHash('sha1').update(JSON.stringify(schema)).digest('base64');
}

/**
 * The validators `npm run build` compiled (scripts/build-artifacts.mjs), or none when running
 * from src/ (tests) or a build without them: then everything is compiled by ajv on first use.
 */
let precompiled: Record<string, string> | null | undefined;
const VALIDATORS = BUILD_DIR && join(BUILD_DIR, 'scenario', 'validators');
function precompiledFor(schema: object): ValidateFunction | undefined {
  if (precompiled === undefined) {
    try {
      precompiled = VALIDATORS ? (require(join(VALIDATORS, 'index.json')) as Record<string, string>) : null;
    } catch {
      precompiled = null;
    }
  }
  const file = precompiled?.[schemaKey(schema)];
  return file ? (require(join(VALIDATORS!, file)) as ValidateFunction) : undefined;
}

/** ajv's compiler, loaded only for a schema not compiled at build time (~45 ms and ~5 MiB). */
let ajv: AjvClass | null = null;
function compile(schema: object): ValidateFunction {
  ajv ??= new (require('ajv') as { Ajv: typeof AjvClass }).Ajv(AJV_OPTIONS);
  return ajv.compile(schema);
}

export function validatorFor(schema: object): ValidateFunction {
  let validate = cache.get(schema);
  if (!validate) {
    validate = precompiledFor(schema) ?? compile(schema);
    cache.set(schema, validate);
  }
  return validate;
}

/** Whether `schema` has a validator compiled at build time (test/scenario/precompiled.test.ts). */
export function isPrecompiled(schema: object): boolean {
  return precompiledFor(schema) !== undefined;
}

export type { ErrorObject };
/** Edit distance, for "did you mean" on unknown keys and fault types. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
