import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the package's own files are (package.json, scenarios/, dashboard/, the build's
 * artefacts). The code runs from src/ (tests), from dist/ (tsc's output), from dist/chunks/ or
 * from dist/cli/cjs/ (the bundles, scripts/bundle-cli.mjs), so a path relative to one module's file would point
 * elsewhere depending on where that module ended up; the package root is the same from all three.
 */
const here = fileURLToPath(import.meta.url);

/** A package.json with a name: not dist/cli/package.json, which only makes dist/cli/ CommonJS. */
function isPackage(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return typeof (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'string';
  } catch {
    return false;
  }
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (isPackage(dir)) return dir;
    if (dirname(dir) === dir) throw new Error(`wsfault: no package.json above ${start}`);
  }
}

export const PACKAGE_ROOT = findRoot(dirname(here));

/** dist/ when this is compiled code, null when it runs from the TypeScript sources (no build artefacts then). */
export const BUILD_DIR = here.endsWith('.ts') ? null : join(PACKAGE_ROOT, 'dist');
