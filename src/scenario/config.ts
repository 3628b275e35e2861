import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Type, { type Static } from '../schema/type.js';
import { WsfaultError } from '../errors.js';
import { invalid, parseYaml, schemaProblems } from './load.js';
import { displayPath } from './positions.js';
import { Size, toNumber, unitRangeProblem } from './units.js';
import type { ScenarioProblem } from './types.js';

/** `maxMessageBuffer`: like --max-message-buffer, a size (16MiB) or a number of bytes. */
const MessageBufferSize = Size({ exclusiveMinimum: 0, description: 'most of one message a message fault may hold to see it whole (default 16MiB)' });

/** The `--config` file of SPEC §7: several proxies, one API, one seed. */
export const ConfigSchema = Type.Object(
  {
    proxies: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100 }),
          listen: Type.String({ description: 'HOST:PORT or :PORT' }),
          target: Type.String({ description: 'ws://, wss://, http:// or https:// host:port' }),
          scenario: Type.Optional(Type.String({ description: 'scenario NAME or FILE (default passthrough)' })),
          hostHeader: Type.Optional(Type.Unsafe<'keep' | 'target'>({ type: 'string', enum: ['keep', 'target'] })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    scenarios: Type.Optional(Type.String({ description: 'extra scenario directory, relative to this file' })),
    api: Type.Optional(Type.String({ description: 'HOST:PORT or off' })),
    toxiproxyApi: Type.Optional(Type.String({ description: "HOST:PORT: also serve Toxiproxy 2.x's REST API there" })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1 })),
    maxMessageBuffer: Type.Optional(MessageBufferSize),
    report: Type.Optional(
      Type.Object(
        {
          clientKey: Type.Optional(
            Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
              description: 'how the reconnect report tells clients apart, first match wins: query:NAME, header:NAME, cookie:NAME, subprotocol, addr+ua (SPEC §11)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, title: 'wsfault config' },
);

export type Config = Static<typeof ConfigSchema>;

/** True when a YAML value looks like a config file (it has `proxies`), not a scenario. */
export function isConfig(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'proxies' in value;
}

export function loadConfigText(text: string, file: string): Config {
  const { value, locate, problems } = parseYaml(text, file);
  if (problems.length > 0) throw invalid(file, problems, 'config');
  const found: ScenarioProblem[] = schemaProblems(ConfigSchema as object, value, file, locate);
  const config = value as Config;
  if (found.length === 0 && typeof config.maxMessageBuffer === 'string') {
    // The schema checked its form; its range applies to the number it stands for (0B is 0).
    const message = unitRangeProblem({ exclusiveMinimum: 0 }, config.maxMessageBuffer, toNumber('size', config.maxMessageBuffer), 'size');
    const at = locate(['maxMessageBuffer']);
    if (message) found.push({ file, line: at.line, col: at.col, path: displayPath(['maxMessageBuffer']), message });
  }
  if (found.length === 0) {
    const names = new Set<string>();
    config.proxies.forEach((proxy, i) => {
      if (!names.has(proxy.name)) return void names.add(proxy.name);
      const at = locate(['proxies', i, 'name']);
      found.push({ file, line: at.line, col: at.col, path: displayPath(['proxies', i, 'name']), message: `proxy name "${proxy.name}" is used twice` });
    });
  }
  if (found.length > 0) throw invalid(file, found, 'config');
  // Paths in a config file are relative to the file.
  if (config.scenarios) config.scenarios = resolve(dirname(file), config.scenarios);
  if (config.maxMessageBuffer !== undefined) config.maxMessageBuffer = toNumber('size', config.maxMessageBuffer);
  return config;
}

export function loadConfigFile(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WsfaultError('WSFAULT_USAGE', `cannot read config file ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  return loadConfigText(text, file);
}
