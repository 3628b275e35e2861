import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_TYPES } from '../../src/faults/index.js';
import { ROOT } from '../helpers/cli.js';

const SRC = join(ROOT, 'src');

function filesUnder(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}

const sources = filesUnder(SRC).filter((f) => f.endsWith('.ts'));
const rel = (file: string) => relative(ROOT, file).split('\\').join('/');

/** Source without comments, so a word in a sentence does not count as code naming a fault. */
function code(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Places where a literal is the same word as a fault type but names something else, each with
 * its reason. Everything else that spells a type name is a hit.
 */
const NOT_A_FAULT: Record<string, RegExp[]> = {
  close: [
    /\.(on|once|off|emit|removeListener)\(\s*'close'/g, // Node's stream event
    /action (===|!==) 'close'|action: 'close'/g, // the verdict vocabulary of hooks.ts (close instead of answer)
    /'Connection', 'close'/g, // the HTTP header value
  ],
  status: [
    /App\['status'\]/g, // the App operation that reports proxies
    /labelNames: \[[^\]]*'status'/g, // the Prometheus label for the HTTP status a client got
  ],
  // SPEC §5's kill methods (close-frame | fin | rst), a value of the API, and its documentation
  'close-frame': [/(how|How|KILL[A-Z_]*|CloseHow)[^\n]*'close-frame'/g, /how=close-frame/g],
};

const withoutExceptions = (text: string, type: string) => (NOT_A_FAULT[type] ?? []).reduce((rest, pattern) => rest.replace(pattern, ''), text);

describe('the core never names a fault', () => {
  const core = sources.filter((f) => /^src\/(proxy|control|transport)\//.test(rel(f)) || ['src/app.ts', 'src/wsfault.ts'].includes(rel(f)));

  it('knows the files it checks', () => {
    expect(core.map(rel)).toEqual(expect.arrayContaining(['src/app.ts', 'src/proxy/connection.ts', 'src/proxy/handshake.ts', 'src/transport/client-link.ts']));
  });

  it('no registered fault type appears as a string in src/proxy, src/transport, src/control, src/app.ts', () => {
    const hits: string[] = [];
    for (const file of core) {
      const text = code(file);
      for (const type of FAULT_TYPES) {
        const rest = withoutExceptions(text, type);
        const literal = new RegExp(`(['"\`])${type.replace(/[-]/g, '\\-')}\\1`);
        if (literal.test(rest)) hits.push(`${rel(file)}: '${type}'`);
        // A multi-word type name is never an ordinary word: not even in an identifier or a comment.
        if (type.includes('-') && withoutExceptions(readFileSync(file, 'utf8'), type).includes(type)) hits.push(`${rel(file)}: ${type} (mentioned)`);
      }
    }
    expect(hits).toEqual([]);
  });
});

describe('module structure', () => {
  it('no file in src/ is over 300 lines', () => {
    const long = sources.map((f) => [rel(f), readFileSync(f, 'utf8').split('\n').length] as const).filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });

  it('no import cycles, type-only imports included', () => {
    const graph = new Map<string, string[]>();
    for (const file of sources) {
      const text = readFileSync(file, 'utf8');
      const deps: string[] = [];
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/g)) {
        deps.push(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
      }
      for (const match of text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) deps.push(resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts')));
      graph.set(file, deps);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of sources) visit(file, []);
    expect(cycles).toEqual([]);
  });
});
