import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { WsfaultError } from '../errors.js';
import { BUILD_DIR } from '../package-root.js';
import { loadScenarioObject, loadScenarioText, type LoadOptions } from './load.js';
import type { Scenario } from './types.js';

/**
 * The built-in scenarios as `npm run build` parsed them (scripts/build-artifacts.mjs writes
 * dist/scenario/built-in.json: per file, a hash of its text and its value, checked against the
 * schemas then). Starting with `passthrough` then needs no YAML parser (~50 ms of start-up) and no
 * validator (the file is read as JSON, not required: no CommonJS loader either; together ~0.75 MiB
 * of the RSS before any connection). A file whose text no longer matches its hash, or a run from
 * src/, parses and checks the YAML as before.
 */
type Cache = Record<string, { sha1: string; value: unknown; checked?: boolean }>;
let cache: Cache | null | undefined;

export const textHash = (text: string) => createHash('sha1').update(text).digest('hex');

export function loadBuiltIn(file: string, options: LoadOptions): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WsfaultError('WSFAULT_NOT_FOUND', `cannot read scenario file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (cache === undefined) {
    try {
      cache = BUILD_DIR ? (JSON.parse(readFileSync(join(BUILD_DIR, 'scenario', 'built-in.json'), 'utf8')) as Cache) : null;
    } catch {
      cache = null;
    }
  }
  const cached = cache?.[basename(file)];
  if (cached && cached.sha1 === textHash(text)) {
    try {
      return loadScenarioObject(structuredClone(cached.value), file, { ...options, checked: cached.checked === true });
    } catch {
      // Reported below with line and column from the YAML itself.
    }
  }
  return loadScenarioText(text, file, { source: file, ...options });
}
