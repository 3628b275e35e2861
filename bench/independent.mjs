// The "independent method" of issue #13, to compare with bench/run.mjs: 64 KiB binary messages
// one way for 2 s, at most 4 MiB in flight, the client (bench/client.mjs) in one process and a
// ws server that counts bytes (bench/upstream.mjs) in another; rounds interleaved. Unlike
// run.mjs, each round starts a fresh proxy and streams twice on it: `cold` is the first 2 s of
// a new process (code not yet optimised), `warm` the next 2 s. Proxy CPU is user + system from
// /proc, read just before and after each stream (start-up excluded). EXTRA_DIST=DIR,DIR adds
// wsfault builds to compare (each DIR a dist/ with node_modules reachable from it).
//   node bench/independent.mjs [--rounds 5]
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 5);
const ticks = (pid) => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
};
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => r(port)); }); });
const accepts = (port) => new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => (s.destroy(), r(true))); s.on('error', () => r(false)); });

const up = fork(`${root}bench/upstream.mjs`, { stdio: 'ignore' });
const { port: upstreamPort } = await new Promise((r) => up.once('message', r));
const PROXIES = {
  'wsfault passthrough': (port) => [`${root}dist/cli/main.js`, '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn'],
  ...(process.env.EXTRA_DIST ? Object.fromEntries(process.env.EXTRA_DIST.split(',').map((d) => [d, (port) => [d + '/cli/main.js', '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn']])) : {}),
  'http-proxy': (port) => [`${root}bench/http-proxy.mjs`, `http://127.0.0.1:${upstreamPort}`, String(port)],
};
const results = {};
for (let round = 1; round <= rounds; round++) {
  for (const [name, args] of Object.entries(PROXIES)) {
    const port = await freePort();
    const child = spawn(process.execPath, args(port), { stdio: 'ignore' });
    while (!(await accepts(port))) await wait(10);
    for (const phase of ['cold', 'warm']) {
      const c0 = ticks(child.pid);
      const client = fork(`${root}bench/client.mjs`, ['stream', `ws://127.0.0.1:${port}`, '2', String(64 * 1024)], { stdio: 'ignore' });
      const m = await new Promise((r) => client.once('message', r));
      const cpuS = (ticks(child.pid) - c0) / 100;
      (results[`${name} ${phase}`] ??= []).push({ mbps: m.bytes / m.seconds / 1e6, sPerGB: cpuS / (m.bytes / 1e9) });
      await wait(200);
    }
    child.kill('SIGKILL');
  }
}
up.kill();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, list] of Object.entries(results)) {
  console.log(`${name.padEnd(26)} ${median(list.map((x) => x.mbps)).toFixed(0).padStart(5)} MB/s  ${median(list.map((x) => x.sPerGB)).toFixed(2)} s/GB   rounds: ${list.map((x) => `${x.mbps.toFixed(0)}/${x.sPerGB.toFixed(2)}`).join(' ')}`);
}
process.exit(0);
