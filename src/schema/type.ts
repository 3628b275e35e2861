import type { Type as TypeBox } from 'typebox';

/**
 * The few TypeBox builders wsfault's schemas use, as plain functions with TypeBox's own types.
 * TypeBox stays the schema language (types come from it, a custom fault may pass real TypeBox
 * schemas), but importing its runtime costs ~170 ms of start-up and ~10 MiB, for objects that
 * are plain JSON Schema. Each builder returns what TypeBox 1.x returns: the same enumerable keys
 * in the same order, and its hidden `~kind` / `~optional` / `~unsafe` markers
 * (test/schema/type.test.ts compares every builder with TypeBox's).
 */

type Options = Record<string, unknown> | undefined;

/** TypeBox's Memory.Create: enumerable keys, then options, then hidden markers. */
function create(hidden: Record<string, unknown>, enumerable: Record<string, unknown>, options: Options): never {
  const result = { ...enumerable, ...options };
  for (const key of Object.keys(hidden)) Object.defineProperty(result, key, { configurable: true, writable: true, enumerable: false, value: hidden[key] });
  return result as never;
}

/** TypeBox's Memory.Update: a copy keeping hidden markers, plus one more. */
function update(current: object, hidden: Record<string, unknown>): never {
  const result = {};
  for (const key of Reflect.ownKeys(current)) {
    if (typeof key === 'string' && key in hidden) continue;
    Object.defineProperty(result, key, Object.getOwnPropertyDescriptor(current, key)!);
  }
  for (const key of Object.keys(hidden)) Object.defineProperty(result, key, { configurable: true, writable: true, enumerable: false, value: hidden[key] });
  return result as never;
}

const isOptional = (schema: object) => Object.prototype.hasOwnProperty.call(schema, '~optional');

function literalType(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return typeof value;
  throw new Error(`invalid literal value ${String(value)}`);
}

export const Type = {
  Object: ((properties: Record<string, object>, options?: Options) => {
    const requiredKeys = Object.keys(properties).filter((key) => !isOptional(properties[key]!));
    return create({ '~kind': 'Object' }, { type: 'object', ...(requiredKeys.length > 0 ? { required: requiredKeys } : {}), properties }, options);
  }) as typeof TypeBox.Object,
  String: ((options?: Options) => create({ '~kind': 'String' }, { type: 'string' }, options)) as typeof TypeBox.String,
  Integer: ((options?: Options) => create({ '~kind': 'Integer' }, { type: 'integer' }, options)) as typeof TypeBox.Integer,
  Number: ((options?: Options) => create({ '~kind': 'Number' }, { type: 'number' }, options)) as typeof TypeBox.Number,
  Boolean: ((options?: Options) => create({ '~kind': 'Boolean' }, { type: 'boolean' }, options)) as typeof TypeBox.Boolean,
  Null: ((options?: Options) => create({ '~kind': 'Null' }, { type: 'null' }, options)) as typeof TypeBox.Null,
  Unknown: ((options?: Options) => create({ '~kind': 'Unknown' }, {}, options)) as typeof TypeBox.Unknown,
  Literal: ((value: unknown, options?: Options) => create({ '~kind': 'Literal' }, { type: literalType(value), const: value }, options)) as typeof TypeBox.Literal,
  Union: ((anyOf: object[], options?: Options) => create({ '~kind': 'Union' }, { anyOf }, options)) as typeof TypeBox.Union,
  Array: ((items: object, options?: Options) => create({ '~kind': 'Array' }, { type: 'array', items }, options)) as typeof TypeBox.Array,
  /** Only string keys, as wsfault writes them: `Type.String()` or `Type.String({ pattern })`. */
  Record: ((key: { type?: string; pattern?: string }, value: object, options?: Options) => {
    if (key.type !== 'string') throw new Error('Type.Record: only string keys are supported here');
    // TypeBox adds the options after its marker here.
    return Object.assign(create({ '~kind': 'Record' }, { type: 'object', patternProperties: { [key.pattern ?? '^.*$']: value } }, undefined), options) as never;
  }) as typeof TypeBox.Record,
  Optional: ((schema: object) => update(schema, { '~optional': true })) as typeof TypeBox.Optional,
  Unsafe: ((schema: object) => update(schema, { '~unsafe': null })) as typeof TypeBox.Unsafe,
};

export default Type;
export type { Static, TObject, TSchema, TUnsafe } from 'typebox';
