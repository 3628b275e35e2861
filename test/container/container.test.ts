import { execFile, spawnSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { freePort } from '../helpers/servers.js';
import { delay } from '../helpers/wait.js';
import { attemptWs } from '../helpers/ws-client.js';

/**
 * The image as built here with podman (no Docker engine on this machine): its HEALTHCHECK never
 * touches the proxy port, so health checks leave refuse-first-3's three refusals to real clients.
 * podman runs HEALTHCHECK on a systemd timer, which this machine does not have, so each check is
 * run with `podman healthcheck run`: the same command, as the same user, in the same container.
 */
const PODMAN = process.env.PODMAN ?? 'podman';
// cgroupfs and runc, and lowered ulimits: what this VM allows (shared/tools/node-base-image.sh).
const GLOBAL = ['--cgroup-manager=cgroupfs', '--runtime', 'runc'];
const LIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096'];
const IMAGE = 'localhost/wsfault:container-test';

function podman(args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(PODMAN, [...GLOBAL, ...args], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, out, err) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err }),
    ),
  );
}

const containers: string[] = [];
afterEach(async () => {
  for (const id of containers.splice(0)) await podman(['rm', '-f', '-t', '1', id]);
});

beforeAll(async () => {
  if (spawnSync(PODMAN, ['--version']).status !== 0) {
    throw new Error('podman not found: apt-get install -y podman runc (this suite needs a container engine and does not skip)');
  }
  if ((await podman(['image', 'exists', 'docker.io/library/node:22-slim'])).code !== 0) {
    throw new Error('no node:22-slim image: build the local one with shared/tools/node-base-image.sh (needs debootstrap)');
  }
  const build = await podman(['build', '--format', 'docker', '--network=host', '--pull=never', '-t', IMAGE, '.'], 900_000);
  expect(build.code, build.err.slice(-2000)).toBe(0);
});

interface Running {
  id: string;
  proxyUrl: string;
  apiUrl: string | null;
  /** Runs the image's HEALTHCHECK once: its exit code. */
  healthcheck(): Promise<number>;
  health(): Promise<{ Status: string; Log: { ExitCode: number; Output: string }[] }>;
}

/** Starts the image with `args` after its entrypoint, the proxy (and API) published on free loopback ports. */
async function run(args: string[], options: { env?: Record<string, string>; api?: boolean } = {}): Promise<Running> {
  const proxyPort = await freePort();
  const apiPort = options.api === false ? null : await freePort();
  const publish = ['-p', `127.0.0.1:${proxyPort}:7878`, ...(apiPort ? ['-p', `127.0.0.1:${apiPort}:7879`] : [])];
  const env = Object.entries(options.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  const started = await podman(['run', '-d', ...LIMITS, ...publish, ...env, IMAGE, ...args]);
  expect(started.code, started.err).toBe(0);
  const id = started.out.trim().split('\n').pop()!;
  containers.push(id);
  // The banner is printed once the API and every proxy listen.
  const deadline = Date.now() + 60_000;
  let logs = '';
  while (!/scenario\s+\S+/.test(logs)) {
    if (Date.now() > deadline) throw new Error(`no banner within 60 s; logs: ${logs}`);
    await delay(250);
    logs = (await podman(['logs', id])).out;
  }
  return {
    id,
    proxyUrl: `ws://127.0.0.1:${proxyPort}`,
    apiUrl: apiPort ? `http://127.0.0.1:${apiPort}` : null,
    healthcheck: async () => (await podman(['healthcheck', 'run', id])).code,
    health: async () => JSON.parse((await podman(['inspect', '--format', '{{json .State.Health}}', id])).out),
  };
}

/** Five real clients, one after another: which of them got a WebSocket. */
async function fiveClients(url: string): Promise<boolean[]> {
  const opened: boolean[] = [];
  for (let i = 0; i < 5; i++) opened.push((await attemptWs(`${url}/ws`)).opened);
  return opened;
}

const connectionsTotal = async (apiUrl: string) => {
  const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = metrics.split('\n').find((l) => l.startsWith('wsfault_connections_total{proxy="default"} '));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('the container image under refuse-first-3', () => {
  it('five HEALTHCHECK runs (the API’s /health) leave exactly the first three real clients refused', async () => {
    const c = await run(['--scenario', 'refuse-first-3']);
    for (let i = 0; i < 5; i++) expect(await c.healthcheck()).toBe(0);
    const health = await c.health();
    expect(health.Status).toBe('healthy');
    expect(health.Log.map((l) => l.ExitCode)).toEqual([0, 0, 0, 0, 0]);
    expect(JSON.parse(health.Log[0]!.Output)).toMatchObject({ status: 'ok', up: ['default'], down: [] });
    expect(await (await fetch(`${c.apiUrl}/proxies/default/connections`)).json()).toEqual([]);
    expect(await connectionsTotal(c.apiUrl!)).toBe(0);

    expect(await fiveClients(c.proxyUrl)).toEqual([false, false, false, true, true]);
    expect(await connectionsTotal(c.apiUrl!)).toBe(5);
  });

  it('with --api off, --health and WSFAULT_HEALTH_URL give the HEALTHCHECK its probe; still three refusals', async () => {
    const env = { WSFAULT_HEALTH_URL: 'http://127.0.0.1:7880/health' };
    const c = await run(['--api', 'off', '--health', '127.0.0.1:7880', '--scenario', 'refuse-first-3'], { env, api: false });
    for (let i = 0; i < 5; i++) expect(await c.healthcheck()).toBe(0);
    expect((await c.health()).Status).toBe('healthy');
    expect(await fiveClients(c.proxyUrl)).toEqual([false, false, false, true, true]);
  });

  it('with --api off and no --health the HEALTHCHECK says unhealthy; it does not fall back to the proxy port', async () => {
    const c = await run(['--api', 'off', '--scenario', 'refuse-first-3'], { api: false });
    for (let i = 0; i < 3; i++) expect(await c.healthcheck()).toBe(1);
    const health = await c.health();
    expect(health.Log.every((l) => l.Output.includes('cannot reach http://127.0.0.1:7879/health'))).toBe(true);
    expect(await fiveClients(c.proxyUrl)).toEqual([false, false, false, true, true]);
  });

  it('why: the old HEALTHCHECK (a TCP connect to the proxy port) used up the refusals meant for real clients', async () => {
    const c = await run(['--scenario', 'refuse-first-3']);
    const oldProbe = "require('net').connect(7878, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))";
    // Each probe is accepted and then reset by the fault: the probe itself sees `connect` or, when
    // the RST wins the race, ECONNRESET.
    // Either way it was a client (0 or 1 is the probe's own answer; podman's own failures are 125-127).
    for (let i = 0; i < 3; i++) expect([0, 1]).toContain((await podman(['exec', c.id, 'node', '-e', oldProbe])).code);
    expect(await connectionsTotal(c.apiUrl!)).toBe(3);
    expect(await fiveClients(c.proxyUrl)).toEqual([true, true, true, true, true]);
  });
});
