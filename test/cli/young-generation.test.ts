/**
 * The CLI caps V8's new space (src/cli/young-generation.ts) by setting the semi-space growth
 * factor at run time, which works only as long as V8 reads that flag at each growth. A child
 * node process keeps many objects alive (what opening thousands of WebSockets does), which
 * makes V8 grow its new space; the test reads the new space's size from V8 itself. Sizes are
 * V8's configuration, not a measurement of memory use: they are exact whatever the load.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const built = fileURLToPath(new URL('../../dist/cli/young-generation.js', import.meta.url));
// dist/cli/ is CommonJS (dist/cli/package.json: the command line's bundle and launcher), so tsc's
// ES-module output there is imported from a copy named .mjs, its one relative import made absolute.
const modulePath = join(mkdtempSync(join(tmpdir(), 'wsfault-young-')), 'young-generation.mjs');
if (existsSync(built)) {
  const nodeBuiltins = pathToFileURL(fileURLToPath(new URL('../../dist/node-builtins.js', import.meta.url))).href;
  writeFileSync(modulePath, readFileSync(built, 'utf8').replace(/(from\s+)'\.\.\/node-builtins\.js'/, `$1${JSON.stringify(nodeBuiltins)}`));
}
const MiB = 1024 * 1024;

/** Keeps ~75 MiB of small objects alive, then prints the new space's size (both semi-spaces). */
const child = (cap: boolean) => `
  import v8 from 'node:v8';
  ${cap ? `const { capYoungGeneration } = await import(${JSON.stringify(modulePath)}); capYoungGeneration();` : ''}
  const kept = [];
  for (let round = 0; round < 25; round++) {
    for (let i = 0; i < 20000; i++) kept.push({ a: i, b: [i, i + 1], c: 'x' + i });
    await new Promise((r) => setImmediate(r));
  }
  console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
`;

function newSpaceAfterGrowth(cap: boolean, nodeArgs: string[] = []): number {
  const out = execFileSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', child(cap)], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return Number(out.trim());
}

describe('capYoungGeneration', () => {
  it('is built (npm test builds first)', () => {
    expect(existsSync(built)).toBe(true);
    expect(readFileSync(modulePath, 'utf8')).not.toContain("'../node-builtins.js'");
  });

  it('left alone, V8 grows the new space past the cap (so the cap has something to do)', () => {
    expect(newSpaceAfterGrowth(false)).toBeGreaterThan(8 * MiB);
  });

  it('stops the new space at two semi-spaces of 4 MiB', () => {
    expect(newSpaceAfterGrowth(true)).toBe(8 * MiB);
  });

  it("leaves node's own young-generation flags alone", () => {
    expect(newSpaceAfterGrowth(true, ['--max-semi-space-size=8'])).toBe(16 * MiB);
  });
});
