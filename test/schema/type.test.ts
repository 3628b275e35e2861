import TypeBox from 'typebox';
import { describe, expect, it } from 'vitest';
import Type from '../../src/schema/type.js';

/** Every own key, hidden ones included, with its value and whether it is enumerable, recursively. */
function shape(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(shape);
  return Reflect.ownKeys(value).map((key) => {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
    return [String(key), descriptor.enumerable, shape(descriptor.value)];
  });
}

// The same calls through both: wsfault's builders must build exactly what TypeBox builds.
const cases: [string, (T: typeof Type) => unknown][] = [
  ['String', (T) => T.String()],
  ['String with options', (T) => T.String({ pattern: '^a$', maxLength: 3, description: 'd' })],
  ['Integer', (T) => T.Integer({ minimum: 0, default: 2 })],
  ['Number', (T) => T.Number({ minimum: 0, maximum: 1 })],
  ['Boolean', (T) => T.Boolean({ default: false })],
  ['Null', (T) => T.Null()],
  ['Unknown', (T) => T.Unknown({ description: 'any' })],
  ['Literal string', (T) => T.Literal('x')],
  ['Literal number', (T) => T.Literal(3, { description: 'three' })],
  ['Union', (T) => T.Union([T.String(), T.Null()], { description: 'u' })],
  ['Array', (T) => T.Array(T.String(), { minItems: 1, uniqueItems: true, default: ['a'] })],
  ['Record, any key', (T) => T.Record(T.String(), T.Unknown(), { description: 'r' })],
  ['Record, pattern key', (T) => T.Record(T.String({ pattern: '^[a-z]+$' }), T.Unsafe<string | null>({ type: ['string', 'null'] }))],
  ['Optional', (T) => T.Optional(T.String({ minLength: 1 }))],
  ['Unsafe', (T) => T.Unsafe<number>({ type: ['number', 'string'], pattern: 'p', 'x-unit': 'duration' })],
  ['Optional of Unsafe', (T) => T.Optional(T.Unsafe<number>({ type: 'number' }))],
  [
    'Object',
    (T) =>
      T.Object(
        { a: T.Optional(T.String()), b: T.Integer({ default: 1 }), c: T.Object({ d: T.Optional(T.Boolean()) }) },
        { additionalProperties: false, description: 'o' },
      ),
  ],
  ['Object, all optional', (T) => T.Object({ a: T.Optional(T.String()) })],
  ['Object, empty', (T) => T.Object({})],
];

describe('schema builders (src/schema/type.ts)', () => {
  for (const [name, build] of cases) {
    it(`${name}: same keys, order, hidden markers and values as TypeBox`, () => {
      expect(shape(build(Type))).toEqual(shape(build(TypeBox as unknown as typeof Type)));
      expect(JSON.stringify(build(Type))).toBe(JSON.stringify(build(TypeBox as unknown as typeof Type)));
    });
  }

  it('Optional and Unsafe copy: the schema given is left as it was', () => {
    const inner = Type.String();
    const optional = Type.Optional(inner);
    expect(Object.prototype.hasOwnProperty.call(inner, '~optional')).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(optional, '~optional')).toBe(true);
  });

  it('a Record keyed by anything but a string is refused, not built wrong', () => {
    expect(() => Type.Record(Type.Integer() as never, Type.String())).toThrow(/only string keys/);
  });
});
