import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, spawnCli } from '../helpers/cli.js';

/** A port free right now (the script needs fixed ports: the client must know where to connect). */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

async function runRecipe(mode: 'good' | 'naive') {
  const dir = mkdtempSync(join(tmpdir(), 'wsfault-ci-'));
  const report = join(dir, 'junit.xml');
  const env = { WSFAULT: `${process.execPath} ${CLI}`, REPORT: report, LISTEN: `127.0.0.1:${await freePort()}`, API: `127.0.0.1:${await freePort()}` };
  const run = spawnCli([join(ROOT, 'examples/ci/reconnect-check.sh'), mode], { command: 'sh', env });
  const { code } = await run.exited;
  return { code, junit: new XMLParser({ ignoreAttributes: false }).parse(readFileSync(report, 'utf8')), out: run.stdout() + run.stderr() };
}

describe('docs/ci.md recipe, end to end (SPEC §11 exit code 3)', () => {
  it.concurrent('exits 0 for a client that backs off and resumes, 3 for one that retries at once', async () => {
    const [good, naive] = await Promise.all([runRecipe('good'), runRecipe('naive')]);
    expect(good.code, good.out + JSON.stringify(good.junit)).toBe(0);
    expect(naive.code, naive.out + JSON.stringify(naive.junit)).toBe(3);
    const cases = (junit: { testsuites: { testsuite: unknown } }) => [junit.testsuites.testsuite].flat().flatMap((s) => [(s as { testcase: unknown }).testcase].flat()) as { '@_name': string; failure?: unknown }[];
    expect(cases(good.junit).map((c) => c['@_name'])).toEqual(['reconnect.within', 'minWait', 'maxAttempts', 'resumes']);
    expect(cases(good.junit).every((c) => c.failure === undefined)).toBe(true);
    expect(cases(naive.junit).find((c) => c['@_name'] === 'minWait')!.failure).toBeDefined();
  }, 90_000);
});
