import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * The client's published declarations, as `npm run build` (pretest) wrote them: every file
 * they reach through relative imports, followed the way TypeScript resolves `.js` to `.d.ts`.
 */
function reachedFrom(entry: string): { files: string[]; specifiers: string[] } {
  const files: string[] = [];
  const specifiers: string[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*|reference\s+(?:types|path)=)["']([^"']+)["']/g)) {
      const specifier = match[1]!;
      specifiers.push(specifier);
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier.replace(/\.js$/, '.d.ts'));
      expect(existsSync(target), `${file} imports ${specifier}`).toBe(true);
      queue.push(target);
    }
  }
  return { files, specifiers };
}

describe('published client types', () => {
  it('dist/client/index.d.ts and everything it reaches name nothing under proxy/ and no node: module', () => {
    const dist = join(ROOT, 'dist');
    const { files, specifiers } = reachedFrom(join(dist, 'client', 'index.d.ts'));
    const ours = files.map((f) => relative(dist, f).split('\\').join('/'));
    expect(ours).toEqual(expect.arrayContaining(['client/index.d.ts', 'wire.d.ts']));
    expect(ours.filter((name) => name.startsWith('proxy/'))).toEqual([]);
    expect(specifiers.filter((s) => s.startsWith('node:') || s === 'node' || /^(net|stream|events|http|fs)$/.test(s))).toEqual([]);
    // Only the schema library the wire shapes are written in may come from outside.
    expect(specifiers.filter((s) => !s.startsWith('.') && s !== 'typebox')).toEqual([]);
  });
});
