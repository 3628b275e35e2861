import type { Argv, CommandModule } from 'yargs';
import { WsfaultError } from '../errors.js';
import type { AnyFaultDefinition } from '../faults/define.js';
import { FAULTS, faultByType } from '../faults/index.js';
import { closest } from '../scenario/validate.js';

type PropertySchema = { type?: string | string[]; enum?: string[]; default?: unknown; description?: string; 'x-unit'?: string; minimum?: number; maximum?: number };

/** One parameter as the catalogue shows it: `delay  duration, required — added delay`. */
function describeParam(key: string, schema: PropertySchema, required: boolean): string {
  const kind = schema['x-unit'] ?? (schema.enum ? schema.enum.join('|') : Array.isArray(schema.type) ? schema.type.join('|') : (schema.type ?? 'value'));
  // Unit values carry technical bounds (a timer's limit) that say nothing to a reader.
  const range = !schema['x-unit'] && schema.minimum !== undefined && schema.maximum !== undefined ? ` ${schema.minimum}–${schema.maximum}` : '';
  const when = 'default' in schema ? `default ${JSON.stringify(schema.default)}` : required ? 'required' : 'optional';
  return `    ${key.padEnd(14)} ${`${kind}${range}`.padEnd(28)} ${when}${schema.description ? ` — ${schema.description}` : ''}`;
}

export function describeFault(definition: AnyFaultDefinition): string {
  const params = definition.params as unknown as { properties: Record<string, PropertySchema>; required?: string[] };
  const lines = [`${definition.type}  (${definition.layer})`, `  ${definition.summary}`];
  const entries = Object.entries(params.properties);
  if (entries.length > 0) {
    lines.push('  parameters:');
    for (const [key, schema] of entries) lines.push(describeParam(key, schema, params.required?.includes(key) ?? false));
  }
  return lines.join('\n');
}

/** The catalogue (`wsfault faults`), or one type in detail (`wsfault faults latency`). */
export function faultsText(type?: string): string {
  if (type) {
    const definition = faultByType(type);
    if (!definition) {
      const hint = closest(type, FAULTS.map((f) => f.type));
      throw new WsfaultError('WSFAULT_USAGE', `unknown fault type "${type}"${hint ? ` (did you mean "${hint}"?)` : ''}; see wsfault faults`);
    }
    return [describeFault(definition), '', '  common fields: name, probability, match, after, afterMessages, for, count (SPEC §3)'].join('\n');
  }
  const sections: string[] = [];
  for (const layer of ['handshake', 'transport', 'messages', 'tls'] as const) {
    sections.push(`${layer.toUpperCase()}`);
    for (const definition of FAULTS.filter((f) => f.layer === layer)) sections.push(describeFault(definition), '');
  }
  return sections.join('\n').trimEnd();
}

export const faultsCommand: CommandModule<object, { type?: string }> = {
  command: 'faults [type]',
  describe: 'the fault catalogue: each type, its layer, parameters, defaults and effect',
  builder: (yargs: Argv) => yargs.positional('type', { type: 'string' }) as unknown as Argv<{ type?: string }>,
  handler: (argv) => {
    process.stdout.write(faultsText(argv.type) + '\n');
  },
};
