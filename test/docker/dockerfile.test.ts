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

  it('exposes the proxy and API ports and has the entrypoint flags', () => {
    expect(dockerfile).toMatch(/^EXPOSE 7878 7879$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "\/app\/dist\/cli\/main\.js", "--listen", "0\.0\.0\.0:7878", "--api", "0\.0\.0\.0:7879"\]$/m);
  });

  it('HEALTHCHECK runs `wsfault health` against the API the entrypoint starts, never the proxy port', () => {
    const healthcheck = /^HEALTHCHECK (.*)\\\n\s+CMD (.*)$/m.exec(dockerfile);
    expect(healthcheck).not.toBeNull();
    expect(healthcheck![2]).toBe('["node", "/app/dist/cli/main.js", "health"]');
    // `wsfault health` asks WSFAULT_HEALTH_URL: the API's /health on the entrypoint's --api port.
    const api = /"--api", "0\.0\.0\.0:(\d+)"/.exec(dockerfile)![1];
    expect(dockerfile).toMatch(new RegExp(`^ENV WSFAULT_HEALTH_URL=http://127\\.0\\.0\\.1:${api}/health$`, 'm'));
    const proxy = /"--listen", "0\.0\.0\.0:(\d+)"/.exec(dockerfile)![1];
    const probeLines = dockerfile.split('\n').filter((line) => /^(HEALTHCHECK|\s+CMD|ENV WSFAULT_HEALTH_URL)/.test(line));
    expect(probeLines.join('\n')).not.toContain(proxy!);
  });
});
