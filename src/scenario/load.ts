import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { WsfaultError } from '../errors.js';
import type { AnyFaultDefinition } from '../faults/define.js';
import { FAULT_TYPES, faultByType } from '../faults/index.js';
import { expectRangeProblems, normaliseExpect } from '../report/expect-schema.js';
import { displayPath, pointerSegments, positionOf, type Position } from './positions.js';
import { envelopeSchema, faultEntrySchema, PHASE_DURATION } from './schema.js';
import { earlyMatchProblems } from './early-match.js';
import type { FaultSpec, Match, Phase, Scenario, ScenarioProblem } from './types.js';
import { toNumber, UNIT_HINTS, unitRangeProblem, type Unit } from './units.js';
import { closest, validatorFor, type ErrorObject } from './validate.js';

export interface LoadOptions {
  source?: string; // where the scenario came from (a file, `built-in`, `api`)
  checked?: boolean; // it passed the schema checks when `npm run build` made it (built-in.json)
}

export type Locate = (segments: (string | number)[], key?: string) => Position;

const entrySchemas = new Map<string, object>();

function entrySchema(type: string): object | undefined {
  const definition = faultByType(type);
  if (!definition) return undefined;
  let schema = entrySchemas.get(type);
  if (!schema) entrySchemas.set(type, (schema = faultEntrySchema(definition) as object));
  return schema;
}

/** Reads and loads a scenario file; every problem is reported at once. */
export function loadScenarioFile(file: string, options: LoadOptions = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WsfaultError('WSFAULT_NOT_FOUND', `cannot read scenario file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return loadScenarioText(text, file, { source: file, ...options });
}

/** Parses YAML (JSON is YAML too) keeping positions, then validates and normalises. */
export function loadScenarioText(text: string, file: string, options: LoadOptions = {}): Scenario {
  const { value, locate, problems } = parseYaml(text, file);
  if (problems.length > 0) throw invalid(file, problems);
  return loadScenarioObject(value, file, options, locate);
}

/** Parses YAML text into a plain value and a way to find positions in it. */
export function parseYaml(text: string, file: string): { value: unknown; locate: Locate; problems: ScenarioProblem[] } {
  // Loaded only here: a start with a built-in scenario needs no parser (built-in-cache.ts).
  const { LineCounter, parseDocument } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  const problems: ScenarioProblem[] = doc.errors.map((error) => {
    const at = error.linePos?.[0] ?? { line: 1, col: 1 };
    return { file, line: at.line, col: at.col, path: '(yaml)', message: error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') };
  });
  const locate: Locate = (segments, key) => positionOf(doc, lines, segments, key);
  if (problems.length > 0) return { value: null, locate, problems };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), locate, problems };
  } catch (error) {
    // An unresolved alias or an alias bomb is found only while converting (found by fuzzing).
    return { value: null, locate, problems: [{ file, line: 1, col: 1, path: '(yaml)', message: (error as Error).message }] };
  }
}

/** Validates a scenario given as a value (an API body, or parsed YAML with `locate`). */
export function loadScenarioObject(value: unknown, file: string, options: LoadOptions = {}, locate: Locate = () => ({ line: 0, col: 0 })): Scenario {
  const problems = options.checked ? [] : [...schemaProblems(envelopeSchema(), value, file, locate), ...faultProblems(value, file, locate)];
  if (problems.length > 0) throw invalid(file, problems);
  const raw = value as RawScenario;
  const scenario = normalise(raw, file, locate, problems, options.source ?? file);
  if (problems.length > 0) throw invalid(file, problems);
  return deepFreeze(scenario);
}

interface RawFault {
  type: string;
  name?: string;
  probability?: number;
  match?: Match;
  after?: number | string;
  afterMessages?: number;
  for?: number | string;
  count?: number;
  [param: string]: unknown;
}

interface RawScenario {
  name: string;
  description?: string;
  seed?: number;
  match?: Match;
  compression?: 'keep' | 'strip';
  faults?: RawFault[];
  phases?: { name: string; duration: number | string; faults?: RawFault[] }[];
  loop?: boolean;
}

/** Each fault entry (of a known type) against its own type's schema, and the ranges of unit values. */
function faultProblems(value: unknown, file: string, locate: Locate): ScenarioProblem[] {
  if (typeof value !== 'object' || value === null) return [];
  const raw = value as { faults?: unknown; phases?: unknown };
  const problems: ScenarioProblem[] = [];
  const problem = (segments: (string | number)[], message: string) => {
    const position = locate(segments);
    problems.push({ file, line: position.line, col: position.col, path: displayPath(segments), message });
  };
  if (Array.isArray(raw.phases)) raw.phases.forEach((phase, p) => checkUnitRange(PHASE_DURATION, phase?.duration, ['phases', p, 'duration'], problem));
  expectRangeProblems((value as { expect?: unknown }).expect, problem);
  const lists: { at: (string | number)[]; list: unknown }[] = [{ at: ['faults'], list: raw.faults }];
  if (Array.isArray(raw.phases)) raw.phases.forEach((phase, p) => lists.push({ at: ['phases', p, 'faults'], list: (phase as { faults?: unknown })?.faults }));
  for (const { at, list } of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((entry, i) => {
      const schema = typeof entry?.type === 'string' ? entrySchema(entry.type) : undefined;
      if (!schema) return;
      problems.push(...schemaProblems(schema, entry, file, locate, [...at, i]));
      const properties = (schema as { properties: Record<string, object> }).properties;
      for (const [key, v] of Object.entries(entry as object)) if (properties[key]) checkUnitRange(properties[key], v, [...at, i, key], problem);
    });
  }
  return problems;
}

/** Every way `value` breaks `schema`, located in the file and worded for people. */
export function schemaProblems(schema: object, value: unknown, file: string, locate: Locate, prefix: (string | number)[] = []): ScenarioProblem[] {
  const validate = validatorFor(schema);
  if (validate(value)) return [];
  const seen = new Set<string>();
  const problems: ScenarioProblem[] = [];
  for (const error of validate.errors ?? []) {
    const problem = describe(error, file, locate, prefix);
    if (!problem) continue;
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return sortProblems(problems);
}

/** Turns one ajv error into a problem people can act on, at the right line and column. */
function describe(error: ErrorObject, file: string, locate: Locate, prefix: (string | number)[]): ScenarioProblem | null {
  if (error.keyword === 'if') return null; // the specific error of the `then` branch says it
  const segments = [...prefix, ...pointerSegments(error.instancePath)];
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  const at = (segs: (string | number)[], message: string, key?: string): ScenarioProblem => {
    const position = locate(segs, key);
    return { file, line: position.line, col: position.col, path: displayPath(key ? [...segs, key] : segs), message };
  };
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = Object.keys((parent?.properties as object) ?? {});
      const hint = closest(key, known);
      return at(segments, `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`, key);
    }
    case 'required':
      return at(segments, `missing required key "${String(error.params.missingProperty)}"`);
    case 'enum': {
      const allowed = (error.params.allowedValues as string[]) ?? [];
      const last = segments[segments.length - 1];
      const value = error.data; // the offending value (ajv's verbose mode puts it on the error)
      // By content: a validator compiled at build time carries its own copy of the list.
      if (last === 'type' && allowed.length === FAULT_TYPES.length && allowed.every((t, i) => t === FAULT_TYPES[i])) {
        if (typeof value !== 'string') return null; // the `type` error ("must be string") says it
        const hint = typeof value === 'string' ? closest(value, FAULT_TYPES) : undefined;
        return at(segments, `unknown fault type ${JSON.stringify(value)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      return at(segments, `must be one of: ${allowed.join(', ')}`);
    }
    case 'multipleOf':
      if (parent?.['x-unit'] === 'size') return at(segments, 'must be a whole number of bytes');
      return at(segments, error.message ?? 'is not valid');
    case 'pattern':
    case 'type':
      if (parent?.['x-unit']) return at(segments, UNIT_HINTS[parent['x-unit'] as Unit]);
      return at(segments, error.message ?? 'is not valid');
    default:
      return at(segments, error.message ?? 'is not valid');
  }
}

function normalise(raw: RawScenario, file: string, locate: Locate, problems: ScenarioProblem[], source: string): Scenario {
  const problem = (segments: (string | number)[], message: string) => {
    const position = locate(segments);
    problems.push({ file, line: position.line, col: position.col, path: displayPath(segments), message });
  };
  if (raw.faults && raw.phases) problem(['phases'], 'give either faults or phases, not both');
  if (raw.loop !== undefined && !raw.phases) problem(['loop'], 'loop applies only to phases');
  earlyMatchProblems(raw, problem);

  const phases: Phase[] = raw.phases
    ? raw.phases.map((phase, p) => ({
        name: phase.name,
        durationMs: toNumber('duration', phase.duration),
        faults: normaliseFaults(phase.faults ?? [], ['phases', p, 'faults'], problem),
      }))
    : [{ name: raw.name, durationMs: Infinity, faults: normaliseFaults(raw.faults ?? [], ['faults'], problem) }];
  if (raw.phases) {
    const names = new Set<string>();
    raw.phases.forEach((phase, p) => {
      if (names.has(phase.name)) problem(['phases', p, 'name'], `phase name "${phase.name}" is used twice`);
      names.add(phase.name);
    });
  }
  return {
    name: raw.name,
    description: raw.description ?? '',
    ...(raw.seed !== undefined ? { seed: raw.seed } : {}),
    ...(raw.match ? { match: raw.match } : {}),
    compression: raw.compression ?? 'strip',
    phases,
    loop: raw.loop ?? false,
    ...((raw as { expect?: unknown }).expect !== undefined ? { expect: normaliseExpect((raw as { expect?: unknown }).expect) } : {}),
    source,
  };
}

function normaliseFaults(list: RawFault[], at: (string | number)[], problem: (segments: (string | number)[], message: string) => void): FaultSpec[] {
  const perType = new Map<string, number>();
  const names = new Set<string>();
  return list.map((raw, i) => {
    const definition = faultByType(raw.type)!;
    const n = (perType.get(raw.type) ?? 0) + 1;
    perType.set(raw.type, n);
    const name = raw.name ?? `${raw.type}-${n}`;
    if (names.has(name)) problem([...at, i, 'name'], `fault name "${name}" is used twice in this scenario; give one a name`);
    names.add(name);
    const params = paramsOf(definition, raw);
    for (const { key, message } of definition.check?.(params as never) ?? []) problem([...at, i, key], message);
    const owns = (field: string) => definition.ownsCommon?.includes(field) ?? false;
    return {
      name,
      type: raw.type,
      layer: definition.layer,
      probability: raw.probability ?? 1,
      ...(raw.match ? { match: raw.match } : {}),
      ...(raw.after !== undefined ? { after: toNumber('duration', raw.after) } : {}),
      ...(raw.afterMessages !== undefined ? { afterMessages: raw.afterMessages } : {}),
      ...(raw.for !== undefined ? { for: toNumber('duration', raw.for) } : {}),
      ...(raw.count !== undefined && !owns('count') ? { count: raw.count } : {}),
      params,
    };
  });
}

/** A value written with a unit passed the schema by its form; its number must be in range too. */
function checkUnitRange(schema: object, value: unknown, segments: (string | number)[], problem: (segments: (string | number)[], message: string) => void): void {
  const unit = (schema as { 'x-unit'?: Unit })['x-unit'];
  if (!unit || typeof value !== 'string') return;
  let n: number;
  try {
    n = toNumber(unit, value);
  } catch {
    return; // a malformed value: the schema's pattern error says so
  }
  const message = unitRangeProblem(schema, value, n, unit);
  if (message) problem(segments, message);
}

/** The type's parameters from a fault entry: defaults filled in, units turned into numbers. */
export function paramsOf(definition: AnyFaultDefinition, raw: Record<string, unknown>): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(definition.params.properties as Record<string, Record<string, unknown>>)) {
    let value = raw[key];
    if (value === undefined && 'default' in schema) value = structuredClone(schema.default);
    if (value === undefined) continue;
    const unit = schema['x-unit'] as Unit | undefined;
    params[key] = unit ? toNumber(unit, value as number | string) : value;
  }
  return params;
}

export function invalid(file: string, problems: ScenarioProblem[], what = 'scenario'): WsfaultError {
  const lines = sortProblems(problems).map(formatProblem);
  return new WsfaultError('WSFAULT_SCENARIO_INVALID', `${file} is not a valid ${what}:\n${lines.join('\n')}`, problems);
}

function sortProblems(problems: ScenarioProblem[]): ScenarioProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.col - b.col);
}

/** SPEC §3's one line per problem: `file:line:col  path: message`. */
export function formatProblem(problem: ScenarioProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col}` : problem.file;
  return `${where}  ${problem.path}: ${problem.message}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
