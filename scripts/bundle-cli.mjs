// Part of `npm run build`, after tsc and build-artifacts: the command line as one bundle.
// dist/cli/main.js (tsc's entry) is replaced by a bundle of everything it reaches in dist/, with
// each dynamic import (a command, the echo server, the API, TLS…) split into its own chunk in
// dist/cli/chunks/, so start-up still loads only what the run needs but compiles a handful of
// files instead of ~100 modules (each one a file lookup, a read and a compile: the bulk of
// start-up after Node's own, docs/PERFORMANCE.md). Packages from node_modules and Node's
// built-ins stay imports, resolved from the package as before. The rest of dist/ is untouched:
// `import('wsfault')` and the tests use it module by module.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const cli = fileURLToPath(new URL('../dist/cli/', import.meta.url));
const entry = join(cli, 'main.js');
const staging = join(cli, '.bundle');
rmSync(staging, { recursive: true, force: true });
await build({
  input: entry,
  platform: 'node',
  // Only our own modules (relative paths) go in; everything else is loaded at run time.
  external: (id) => !id.startsWith('.') && !isAbsolute(id),
  logLevel: 'warn',
  output: { dir: staging, format: 'esm', entryFileNames: 'main.js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: false },
});
const bundled = join(staging, 'main.js');
if (!readFileSync(bundled, 'utf8').startsWith('#!')) throw new Error('bundle-cli: the entry lost its #! line');
rmSync(join(cli, 'chunks'), { recursive: true, force: true });
renameSync(join(staging, 'chunks'), join(cli, 'chunks'));
renameSync(bundled, entry);
rmSync(staging, { recursive: true, force: true });
if (!existsSync(entry)) throw new Error('bundle-cli: no dist/cli/main.js');
