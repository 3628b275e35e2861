import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// semver comes with Fastify (a runtime dependency); npm itself checks engines with it.
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean;
};

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: unknown }>;
};

/** The npm that ships with the lowest Node we support (Node 20.19.0 comes with npm 10.8.2). */
const LOWEST_NPM = '10.8.2';

describe('every installed package supports the Node versions in our engines', () => {
  const lowest = semver.minVersion(pkg.engines.node)!.version;

  it('our engines start at Node 20.19', () => {
    expect(lowest).toBe('20.19.0');
  });

  it('no package in package-lock.json asks for a Node (or npm) that the lowest supported one is not (npm would warn EBADENGINE)', () => {
    const refused: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.engines === undefined) continue;
      const engines = entry.engines as Record<string, unknown>;
      if (typeof engines !== 'object' || Array.isArray(engines)) {
        refused.push(`${path}@${entry.version}: engines in a form npm does not check (${JSON.stringify(engines)}); look at it`);
        continue;
      }
      checked++;
      // As npm-install-checks does: a range the version does not satisfy is a warning.
      if (typeof engines.node === 'string' && !semver.satisfies(lowest, engines.node, { includePrerelease: true })) refused.push(`${path}@${entry.version}: node ${engines.node}`);
      if (typeof engines.npm === 'string' && !semver.satisfies(LOWEST_NPM, engines.npm, { includePrerelease: true })) refused.push(`${path}@${entry.version}: npm ${engines.npm}`);
    }
    expect(checked).toBeGreaterThan(50);
    expect(refused).toEqual([]);
  });
});
