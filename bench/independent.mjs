// The "independent method" of issue #13, to compare with bench/run.mjs: 64 KiB binary messages
// one way for 2 s, at most 4 MiB in flight, the client (bench/client.mjs) in one process and a
// ws server that counts bytes (bench/upstream.mjs) in another; rounds interleaved. Unlike
// run.mjs, each round starts a fresh proxy and streams twice on it: `cold` is the first 2 s of
// a new process (code not yet optimised), `warm` the next 2 s. Proxy CPU is user + system from
// /proc, read just before and after each stream (start-up excluded; nginx: its worker). EXTRA_DIST=DIR,DIR adds
// wsfault builds to compare (each DIR a dist/ with node_modules reachable from it).
//   node bench/independent.mjs [--rounds 5]
import { fork, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxConfig } from './nginx-config.mjs';
import { accepts, childOf, freePort, ticks, wait } from './processes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 5);

const up = fork(`${root}bench/upstream.mjs`, { stdio: 'ignore' });
const { port: upstreamPort } = await new Promise((r) => up.once('message', r));
const PROXIES = {
  'wsfault passthrough': (port) => [`${root}dist/cli/main.js`, '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn'],
  ...(process.env.EXTRA_DIST ? Object.fromEntries(process.env.EXTRA_DIST.split(',').map((d) => [d, (port) => [d + '/cli/main.js', '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn']])) : {}),
  'http-proxy': (port) => [`${root}bench/http-proxy.mjs`, `http://127.0.0.1:${upstreamPort}`, String(port)],
  // The bare `onread` pipe (bench/node-pipe.mjs): the floor of a Node proxy.
  'node onread pipe': (port) => [`${root}bench/node-pipe.mjs`, String(upstreamPort), String(port), '--onread'],
  // nginx when installed (the same configuration as bench/run.mjs); its worker's CPU is counted.
  ...(spawnSync('nginx', ['-v']).error ? {} : { nginx: 'nginx' }),
};
const tmp = mkdtempSync(join(tmpdir(), 'wsfault-independent-'));
/** A proxy process and the pid whose CPU counts (nginx: its one worker, a child of the master). */
async function start(args, port) {
  if (args !== 'nginx') {
    const child = spawn(process.execPath, args(port), { stdio: 'ignore' });
    while (!(await accepts(port))) await wait(10);
    return { child, pid: child.pid };
  }
  const dir = mkdtempSync(join(tmp, 'nginx-'));
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig({ dir, port, upstreamPort }));
  const child = spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  while (!(await accepts(port))) await wait(10);
  let pid = null;
  for (let i = 0; i < 200 && pid === null; i++) if ((pid = childOf(child.pid)) === null) await wait(5);
  return { child, pid: Number(pid ?? child.pid), signal: 'SIGTERM' };
}
const results = {};
for (let round = 1; round <= rounds; round++) {
  for (const [name, args] of Object.entries(PROXIES)) {
    const port = await freePort();
    const { child, pid, signal } = await start(args, port);
    for (const phase of ['cold', 'warm']) {
      const c0 = ticks(pid);
      const client = fork(`${root}bench/client.mjs`, ['stream', `ws://127.0.0.1:${port}`, '2', String(64 * 1024)], { stdio: 'ignore' });
      const m = await new Promise((r) => client.once('message', r));
      const cpuS = (ticks(pid) - c0) / 100;
      (results[`${name} ${phase}`] ??= []).push({ mbps: m.bytes / m.seconds / 1e6, sPerGB: cpuS / (m.bytes / 1e9) });
      await wait(200);
    }
    child.kill(signal ?? 'SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  }
}
up.kill();
rmSync(tmp, { recursive: true, force: true });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, list] of Object.entries(results)) {
  console.log(`${name.padEnd(26)} ${median(list.map((x) => x.mbps)).toFixed(0).padStart(5)} MB/s  ${median(list.map((x) => x.sPerGB)).toFixed(2)} s/GB   rounds: ${list.map((x) => `${x.mbps.toFixed(0)}/${x.sPerGB.toFixed(2)}`).join(' ')}`);
}
process.exit(0);
