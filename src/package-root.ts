import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the package's own files are (package.json, scenarios/, dashboard/, the build's
 * artefacts). The code runs from src/ (tests), from dist/ (tsc's output) or from dist/cli/chunks/
 * (the CLI bundle, scripts/bundle-cli.mjs), so a path relative to one module's file would point
 * elsewhere depending on where that module ended up; the package root is the same from all three.
 */
const here = fileURLToPath(import.meta.url);

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`wsfault: no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot(dirname(here));

/** dist/ when this is compiled code, null when it runs from the TypeScript sources (no build artefacts then). */
export const BUILD_DIR = here.endsWith('.ts') ? null : join(PACKAGE_ROOT, 'dist');
