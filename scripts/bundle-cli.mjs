// Part of `npm run build`, after tsc and build-artifacts: the package's entry points as bundles.
// dist/index.js (`import('wsfault')`) and dist/client/index.js (`wsfault/client`) are replaced by
// ES-module bundles of everything they reach in dist/, sharing one set of chunks in dist/chunks/
// (so one registry of faults, whichever entry loads it), with each dynamic import in a chunk of
// its own. The command line is bundled apart, as CommonJS: dist/cli/cjs/start-HASH.cjs holds
// what a run loads before it accepts a connection, the other commands, the API, TLS and the echo
// server are chunks beside it, and dist/cli/main.js is src/cli/launch.ts, which compiles the
// start file with a V8 code cache made here by a training start (Node 20 caches no ES module's
// compilation: docs/PERFORMANCE.md "Start-up"). Each bundle compiles a handful of files instead
// of ~100 modules (each one a file lookup, a read and a compile). Packages from node_modules and
// Node's built-ins stay imports, resolved from the package as before. The other files of dist/
// stay as tsc wrote them (scripts and benches import them directly); the .d.ts files describe
// the same exports.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const entries = { index: 'index.js', 'client/index': 'client/index.js' };
const staging = join(dist, '.bundle');
// Only our own modules (relative paths) go in; everything else is loaded at run time.
const external = (id) => !id.startsWith('.') && !isAbsolute(id);

// What a proxy run loads before it accepts a connection: everything a file reaches through
// static imports (tsc's output, before bundling). One chunk of it, instead of the dozen shared
// chunks rolldown would cut by which entries share what: each module costs Node a resolve, a
// read and a compile of its own (measured: 16 chained one-line ES modules load in 25–65 ms, one
// file in 2–11 ms).
function staticClosure(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const [, spec] of code.matchAll(/^(?:import|export)\b[^'"()]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) staticClosure(join(dirname(file), spec), seen);
  for (const [, spec] of code.matchAll(/^import\s+['"](\.{1,2}\/[^'"]+)['"]/gm)) staticClosure(join(dirname(file), spec), seen);
  return seen;
}
const runPath = staticClosure(join(dist, 'cli/run.js'));
const library = staticClosure(join(dist, 'index.js'));
const start = staticClosure(join(dist, 'cli/main.js'));
rmSync(staging, { recursive: true, force: true });
rmSync(join(dist, 'cli/package.json'), { force: true });

// The library: what `import('wsfault')` needs to start a proxy in one chunk.
await build({
  input: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(dist, file)])),
  platform: 'node',
  external,
  logLevel: 'warn',
  output: { dir: staging, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: false,
    codeSplitting: { groups: [{ name: 'core', test: (id) => runPath.has(id) && library.has(id) }] } },
});
// The command line: dist/cli/main.js (tsc's output of main.ts) and all it reaches, as CommonJS.
await build({
  input: { start: join(dist, 'cli/main.js') },
  platform: 'node',
  external,
  logLevel: 'warn',
  output: { dir: join(staging, 'cli/cjs'), format: 'cjs', entryFileNames: '[name]-[hash].cjs', chunkFileNames: '[name]-[hash].cjs', sourcemap: false,
    codeSplitting: { groups: [{ name: 'start', test: (id) => start.has(id) }] } },
});
// Its entry: the launcher, alone (it imports nothing of ours), told the start file's name. Also
// CommonJS, as dist/cli/package.json makes every .js file of dist/cli/: an ES-module entry costs
// Node's ES-module loader at start (~18 M instructions here; src/cli/launch.ts).
await build({
  input: { 'cli/main': join(dist, 'cli/launch.js') },
  platform: 'node',
  external,
  logLevel: 'warn',
  output: { dir: staging, format: 'cjs', entryFileNames: '[name].js', sourcemap: false },
});
const startFile = readdirSync(join(staging, 'cli/cjs')).find((f) => /^start-.*\.cjs$/.test(f));
const startPath = join(staging, 'cli/cjs', startFile);
// vm.Script takes no #! line (the launcher keeps the one the bin needs), and its code has no
// `import()` of its own: the launcher passes one in as `__import` (src/cli/launch.ts).
// And it is ASCII, each other character written as its \\u escape (all in strings, regexps and
// comments): the launcher reads it as latin1, a copy, where UTF-8 is a decode (~8 M instructions).
let startCode = readFileSync(startPath, 'utf8').replace(/^#!.*\n/, '').replace(/\bimport\(("[^"\n]+")\)/g, '__import($1)');
if (/\\[^\x00-\x7f]/.test(startCode)) throw new Error('bundle-cli: an escaped non-ASCII character in the start file');
startCode = startCode.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
if (/\bimport\(/.test(startCode.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ''))) throw new Error('bundle-cli: an import() the start file cannot make is left in it');
writeFileSync(startPath, startCode);
const launcher = readFileSync(join(staging, 'cli/main.js'), 'utf8');
if (!launcher.startsWith('#!')) throw new Error('bundle-cli: dist/cli/main.js lost its #! line');
if (!launcher.includes('__WSFAULT_START_FILE__')) throw new Error('bundle-cli: the launcher has no place for the start file name');
writeFileSync(join(staging, 'cli/main.js'), launcher.replace('__WSFAULT_START_FILE__', startFile));

rmSync(join(dist, 'chunks'), { recursive: true, force: true });
renameSync(join(staging, 'chunks'), join(dist, 'chunks'));
rmSync(join(dist, 'cli/cjs'), { recursive: true, force: true });
renameSync(join(staging, 'cli/cjs'), join(dist, 'cli/cjs'));
for (const file of [...Object.values(entries), 'cli/main.js']) {
  renameSync(join(staging, file), join(dist, file));
  // tsc's source map described the file the bundle replaced: left there, it would map wrong lines.
  rmSync(join(dist, `${file}.map`), { force: true });
}
rmSync(staging, { recursive: true, force: true });
// No "name": src/package-root.ts looks past it for the package's own package.json.
writeFileSync(join(dist, 'cli/package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);

// The code cache: a training start (a pass-through that stops after a moment) writes what V8
// compiled by its exit, functions run lazily included; then a fresh process checks that V8
// accepts it. Both run without NODE_OPTIONS, as the bin is normally started: V8 rejects a cache
// made under other V8 flags. If anything fails the build goes on without a cache (slower starts).
const cacheFile = join(dist, 'cli/cjs', `${startFile}.cache`);
const training = `${cacheFile}.training`;
const { NODE_OPTIONS: _, ...env } = process.env;
const trained = spawnSync(process.execPath, [join(dist, 'cli/main.js'), '--target', 'ws://127.0.0.1:9', '--listen', '127.0.0.1:0', '--api', 'off', '--log-level', 'silent', '--duration', '200ms'], {
  env: { ...env, WSFAULT_CODE_CACHE: `write:${training}` },
  stdio: 'ignore',
  timeout: 30_000,
});
if (trained.status === 0 && existsSync(training)) renameSync(training, cacheFile);
const check = spawnSync(process.execPath, [join(dist, 'cli/main.js')], { env: { ...env, WSFAULT_CODE_CACHE: 'check' }, encoding: 'utf8' });
if (check.stdout.trim() !== 'accepted') {
  rmSync(training, { force: true });
  rmSync(cacheFile, { force: true });
  console.warn(`bundle-cli: no V8 code cache for the command line (training start: exit ${trained.status}, cache ${check.stdout.trim() || check.stderr.trim()}); it starts without one`);
}
