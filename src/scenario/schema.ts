import Type, { type TSchema } from '../schema/type.js';
import type { AnyFaultDefinition } from '../faults/define.js';
import { FAULTS, FAULT_TYPES, registryVersion } from '../faults/index.js';
import { Duration, Probability } from './units.js';
import { ExpectSchema } from '../report/expect-schema.js';

/**
 * The one schema of scenario files and API bodies (SPEC §3), built from the fault registry.
 * The same object validates (ajv), is published as schema/scenario.schema.json for editors,
 * and documents the API.
 */

const Glob = (description: string) => Type.String({ minLength: 1, description });

export const MatchSchema = Type.Object(
  {
    path: Type.Optional(Glob('glob on the request path: * within a segment, ** across segments')),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'header name → glob on its value (names are case-insensitive)' })),
    query: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'query parameter → glob on its value' })),
    sni: Type.Optional(Glob('glob on the TLS server name the client asked for (SNI); TLS faults may match only sni, client, listener and connections')),
    client: Type.Optional(Glob('glob on the client IP address')),
    listener: Type.Optional(Glob("glob on the proxy the connection arrived at: its name or its listen address HOST:PORT (one scenario file shared by several proxies)")),
    connections: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]*(-([1-9][0-9]*)?)?$', description: 'connection ordinals on this proxy, counted from 1 at its start (the N of its id c-N): "2", "2-4" or "5-"' }),
    ),
  },
  { additionalProperties: false, description: 'only these connections are touched; others pass through' },
);

const NAME = '^[A-Za-z0-9][A-Za-z0-9._-]*$';

/** A phase lasts a while: a zero-length phase in a loop would spin the timeline. */
export const PHASE_DURATION = Duration({ exclusiveMinimum: 0, description: 'how long the phase lasts' });

/** Fields every fault accepts (SPEC §3). A type may give one of them its own meaning (ownsCommon). */
export const COMMON_FAULT_FIELDS: Record<string, TSchema> = {
  name: Type.String({ pattern: NAME, maxLength: 100, description: 'unique in the scenario; default TYPE-N' }),
  probability: Probability({ default: 1, description: 'chance that a connection gets this fault at all, rolled once per connection' }),
  match: MatchSchema,
  after: Duration({ description: 'the fault starts this long after the connection opened' }),
  afterMessages: Type.Integer({ minimum: 0, description: 'the fault starts after this many data messages' }),
  for: Duration({ description: 'the fault stops this long after it started' }),
  count: Type.Integer({ minimum: 1, description: 'the fault touches at most this many connections' }),
};

/** The full schema of one fault entry of a given type: common fields plus its parameters. */
export function faultEntrySchema(definition: AnyFaultDefinition): TSchema {
  const params = definition.params;
  const properties: Record<string, TSchema> = { type: Type.Literal(definition.type) };
  for (const [key, schema] of Object.entries(COMMON_FAULT_FIELDS)) {
    if (!definition.ownsCommon?.includes(key)) properties[key] = schema;
  }
  Object.assign(properties, params.properties);
  // A parameter with a default may be left out; TypeBox lists it as required for the
  // defaults-filled type that create() receives.
  const required = ['type', ...(params.required ?? []).filter((key) => !('default' in (params.properties as Record<string, object>)[key]!))];
  return {
    type: 'object',
    description: `${definition.type} (${definition.layer}): ${definition.summary}`,
    properties,
    required,
    additionalProperties: false,
  } as unknown as TSchema;
}

/** A fault entry: `type` picks which entry schema applies (if/then keeps the errors specific). */
export function faultListSchema(): TSchema {
  return {
    type: 'array',
    items: {
      type: 'object',
      required: ['type'],
      properties: { type: { type: 'string', enum: FAULT_TYPES, description: 'fault type (SPEC §4)' } },
      allOf: FAULTS.map((definition) => ({
        if: { properties: { type: { const: definition.type } }, required: ['type'] },
        then: faultEntrySchema(definition),
      })),
    },
  } as unknown as TSchema;
}

/**
 * A fault list whose entries are checked only for a known `type`; each entry's own fields are
 * then checked against that type's schema alone (compiled when first needed). Loading uses this
 * so start-up does not compile all 31 fault schemas to load one scenario.
 */
export function faultStubListSchema(): TSchema {
  return {
    type: 'array',
    items: { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: FAULT_TYPES, description: 'fault type (SPEC §4)' } } },
  } as unknown as TSchema;
}

export function scenarioSchema(faults: TSchema = faultListSchema()): TSchema {
  return Type.Object(
    {
      name: Type.String({ pattern: NAME, maxLength: 100, description: 'scenario name (letters, digits, . _ -)' }),
      description: Type.Optional(Type.String({ description: 'what real-world failure this reproduces' })),
      seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, description: 'overrides --seed for this scenario' })),
      match: Type.Optional(MatchSchema),
      compression: Type.Optional(
        Type.Unsafe<'keep' | 'strip'>({
          type: 'string',
          enum: ['keep', 'strip'],
          default: 'strip',
          description: "strip: stream-changing message faults remove the client's permessage-deflate offer; keep: leave it",
        }),
      ),
      faults: Type.Optional(faults),
      phases: Type.Optional(
        Type.Array(
          Type.Object(
            {
              name: Type.String({ pattern: NAME, maxLength: 100 }),
              duration: PHASE_DURATION,
              faults: Type.Optional(faults),
            },
            { additionalProperties: false },
          ),
          { minItems: 1, description: 'a timeline instead of faults' },
        ),
      ),
      loop: Type.Optional(Type.Boolean({ default: false, description: 'start the phases again after the last one' })),
      expect: Type.Optional(ExpectSchema),
    },
    {
      $id: 'https://wsfault.dev/schema/scenario.schema.json',
      title: 'wsfault scenario',
      additionalProperties: false,
    },
  );
}

/** What schema/scenario.schema.json holds: the scenario schema with its JSON Schema dialect. */
export function publishedScenarioSchema(): object {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(scenarioSchema() as object) };
}

/**
 * What loading validates a scenario against: the envelope with fault stubs (each fault is then
 * checked against its type's schema alone). Built again when a fault type is registered, and
 * without the published $id, which ajv would refuse to compile twice.
 */
let envelope: { schema: object; version: number } | null = null;
export function envelopeSchema(): object {
  if (envelope?.version !== registryVersion()) {
    const { $id: _published, ...schema } = scenarioSchema(faultStubListSchema()) as { $id?: string };
    envelope = { schema, version: registryVersion() };
  }
  return envelope.schema;
}
