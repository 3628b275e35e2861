import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * No container engine runs in CI, so the Dockerfile is linted and its shape checked here; it
 * was built and run with podman (docs/DOCKER.md has the commands).
 */
const dockerfile = readFileSync('Dockerfile', 'utf8');

describe('Dockerfile', () => {
  it('passes dockerfilelint', () => {
    const out = execFileSync('node_modules/.bin/dockerfilelint', ['-j', 'Dockerfile'], { encoding: 'utf8' });
    const report = JSON.parse(out) as { totalIssues: number; files: { issues: unknown[] }[] };
    expect(report.files[0]!.issues).toEqual([]);
    expect(report.totalIssues).toBe(0);
  });

  it('builds in one stage and runs from node:22-slim in another, as a non-root user', () => {
    const stages = dockerfile.match(/^FROM .*/gm) ?? [];
    expect(stages).toEqual(['FROM node:22-slim AS build', 'FROM node:22-slim']);
    expect(dockerfile).toMatch(/RUN npm run build && npm prune --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });

  it('exposes the proxy and API ports, has a HEALTHCHECK and the entrypoint flags', () => {
    expect(dockerfile).toMatch(/^EXPOSE 7878 7879$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "-e", .*7878/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/dist\/cli\/main\.js", "--listen", "0\.0\.0\.0:7878", "--api", "0\.0\.0\.0:7879"\]$/m);
  });
});
