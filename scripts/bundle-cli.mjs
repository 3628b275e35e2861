// Part of `npm run build`, after tsc and build-artifacts: the package's entry points as bundles.
// dist/cli/main.js (the command line), dist/index.js (`import('wsfault')`) and
// dist/client/index.js (`wsfault/client`) are replaced by bundles of everything they reach in
// dist/, sharing one set of chunks in dist/chunks/ (so one registry of faults, whichever entry
// loads it), with each dynamic import (a command, the echo server, the API, TLS…) in a chunk of
// its own: start-up still loads only what the run needs, but compiles a handful of files instead
// of ~100 modules (each one a file lookup, a read and a compile: the bulk of start-up after
// Node's own, docs/PERFORMANCE.md). Packages from node_modules and Node's built-ins stay imports,
// resolved from the package as before. The other files of dist/ stay as tsc wrote them (scripts
// and benches import them directly); the .d.ts files describe the same exports.
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const entries = { 'cli/main': 'cli/main.js', index: 'index.js', 'client/index': 'client/index.js' };
const staging = join(dist, '.bundle');

// The modules a proxy run loads before it accepts a connection: everything dist/cli/run.js
// reaches through static imports (tsc's output, before bundling). One chunk of them, instead of
// the dozen shared chunks rolldown would cut by which entries share what: each ES module costs
// Node a resolve, an async read and a compile of its own before the next level of imports is
// even known (measured: 16 chained one-line modules load in 25–65 ms, one file in 2–11 ms).
function staticClosure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const [, spec] of code.matchAll(/^(?:import|export)\b[^'"()]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) staticClosure(join(dirname(file), spec), seen);
  for (const [, spec] of code.matchAll(/^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) staticClosure(join(dirname(file), spec), seen);
  return seen;
}
// Two chunks: what `import('wsfault')` also needs (the proxy, faults, scenarios: dist/index.js's
// closure), and what only the command line's run adds (its options, banner, report files).
const runPath = staticClosure(join(dist, 'cli/run.js'));
const library = staticClosure(join(dist, 'index.js'));
rmSync(staging, { recursive: true, force: true });
await build({
  input: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(dist, file)])),
  platform: 'node',
  // Only our own modules (relative paths) go in; everything else is loaded at run time.
  external: (id) => !id.startsWith('.') && !isAbsolute(id),
  logLevel: 'warn',
  output: { dir: staging, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: false,
    codeSplitting: {
      groups: [
        { name: 'core', test: (id) => runPath.has(id) && library.has(id), priority: 2 },
        { name: 'run', test: (id) => runPath.has(id), priority: 1 },
      ],
    } },
});
if (!readFileSync(join(staging, 'cli/main.js'), 'utf8').startsWith('#!')) throw new Error('bundle-cli: dist/cli/main.js lost its #! line');
rmSync(join(dist, 'chunks'), { recursive: true, force: true });
renameSync(join(staging, 'chunks'), join(dist, 'chunks'));
for (const file of Object.values(entries)) renameSync(join(staging, file), join(dist, file));
rmSync(staging, { recursive: true, force: true });
