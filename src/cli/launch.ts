#!/usr/bin/env node
/**
 * The command line's entry as built: `npm run build` bundles this file as dist/cli/main.js, and
 * the command line itself (main.ts and everything it reaches) as one CommonJS file,
 * dist/cli/cjs/start-HASH.cjs, with the commands, the API, TLS and the echo server in chunks of
 * their own beside it (scripts/bundle-cli.mjs). This file compiles the start file with a V8
 * code cache made by a training start at build time: the ~350 KB bundle would otherwise be
 * parsed at every start, and every function the start runs compiled again (the bulk of what
 * wsfault's start adds to Node's own, docs/PERFORMANCE.md "Start-up"). Node 20 has no compile
 * cache for ES modules, hence CommonJS and `vm.Script`, as v8-compile-cache does.
 *
 * The cache belongs to one build: its file is named after the start file, whose name holds a
 * hash of its content, and V8 itself rejects data made by another V8 version, with other V8
 * flags or for a source of another length. Missing, unreadable or rejected, the start file is
 * compiled without it: slower, never different.
 *
 * Only Node built-ins here, through process.getBuiltinModule, and nothing of wsfault's own: one
 * copy of its modules, the CommonJS one, serves the whole run. The build makes this file
 * CommonJS too (dist/cli/package.json says so): an ES-module entry alone costs Node ~18 M
 * instructions of start-up for its loader, more than all the rest of this file's work.
 */
import type { Module as ModuleType } from 'node:module';

const { readFileSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { dirname, join } = process.getBuiltinModule('node:path');
const { fileURLToPath } = process.getBuiltinModule('node:url');
const vm = process.getBuiltinModule('node:vm');
const Module = process.getBuiltinModule('node:module') as unknown as typeof ModuleType;

/** The start file's name, written in by scripts/bundle-cli.mjs. */
const START = '__WSFAULT_START_FILE__';
/**
 * For the build (scripts/bundle-cli.mjs) and its tests only: `write:FILE` compiles without the
 * cache and writes a new one to FILE when the process exits (the training start); `check`
 * prints whether V8 accepts the cache there is (accepted, rejected or none) and exits.
 */
const MODE = process.env.WSFAULT_CODE_CACHE;
const train = MODE?.startsWith('write:') ? MODE.slice('write:'.length) : undefined;

const filename = join(dirname(fileURLToPath(import.meta.url)), 'cjs', START);
// ASCII (the build escapes anything else), so latin1: a copy instead of a UTF-8 decode.
const source = readFileSync(filename, 'latin1');
let cachedData: Buffer | undefined;
if (train === undefined) {
  try {
    cachedData = readFileSync(`${filename}.cache`);
  } catch {
    // no cache: compile as Node would
  }
}
// Node's own CommonJS wrapper, and one parameter more: `import()` of a package (yargs and pino
// are ES modules) is `__import()` in the start file, made here, where Node's loader serves it.
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, __import) {${source}\n})`, { filename, cachedData });
if (MODE === 'check') {
  process.stdout.write(`${cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted'}\n`);
  process.exit(0);
}
// The start file is a module like any other CommonJS one, and the chunks loaded later
// `require()` it: registered before it runs, so they share this one instance.
const module = new Module(filename);
module.filename = filename;
const require = Module.createRequire(filename);
require.cache[filename] = module;
if (train !== undefined) process.once('exit', () => writeFileSync(train, script.createCachedData()));
const load = script.runInThisContext() as (...args: unknown[]) => void;
load.call(module.exports, module.exports, require, module, filename, dirname(filename), (specifier: string) => import(specifier));
module.loaded = true;
