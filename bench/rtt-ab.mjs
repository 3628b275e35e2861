// Echo round trips through two or more wsfault builds, rounds interleaved (A B A B …): proxy CPU
// per round trip (user + system from /proc, warm-up included) and p50, for A/B checks of the
// per-hop path (issue #13 target 4). Each DIR is a dist/ with node_modules reachable from it;
// `onread-pipe` instead of a DIR is the floor, bench/node-pipe.mjs --onread.
// --scenario FILE runs every wsfault build with that scenario (e.g. a latency-0 one).
//   node bench/rtt-ab.mjs DIR|onread-pipe [DIR …] [--rounds 5] [--rtt 20000] [--scenario FILE]
import { fork, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accepts, freePort, ticks, wait } from './processes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const option = (name, fallback) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const rounds = option('--rounds', 5);
const rtt = option('--rtt', 20_000);
const warmup = 2_000;
const scenario = argv.includes('--scenario') ? ['--scenario', resolve(argv[argv.indexOf('--scenario') + 1])] : [];
const dists = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')).map((d) => (d === 'onread-pipe' ? d : resolve(d)));
if (dists.length === 0) throw new Error('usage: node bench/rtt-ab.mjs DIR [DIR …] [--rounds N] [--rtt N]');

const up = fork(`${root}bench/upstream.mjs`, { stdio: 'ignore' });
const { port: upstreamPort } = await new Promise((r) => up.once('message', r));
const results = Object.fromEntries(dists.map((d) => [d, []]));
for (let round = 0; round < rounds; round++) {
  for (const dist of dists) {
    const port = await freePort();
    const args = dist === 'onread-pipe' ? [`${root}bench/node-pipe.mjs`, String(upstreamPort), String(port), '--onread'] : [`${dist}/cli/main.js`, '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn', ...scenario];
    const proxy = spawn(process.execPath, args, { stdio: 'ignore' });
    while (!(await accepts(port))) await wait(10);
    const c0 = ticks(proxy.pid);
    const client = fork(`${root}bench/client.mjs`, ['rtt', `ws://127.0.0.1:${port}`, String(rtt), String(warmup)], { stdio: 'ignore' });
    const m = await new Promise((r) => client.once('message', r));
    const cpuUs = ((ticks(proxy.pid) - c0) * 10_000) / (rtt + warmup);
    results[dist].push({ cpuUs, p50Us: m.p50 * 1000 });
    proxy.kill('SIGKILL');
    await new Promise((r) => proxy.once('exit', r));
  }
}
up.kill();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [dist, list] of Object.entries(results))
  console.log(`${dist.padEnd(30)} CPU ${median(list.map((x) => x.cpuUs)).toFixed(1)} µs/round trip  p50 ${median(list.map((x) => x.p50Us)).toFixed(0)} µs   rounds: ${list.map((x) => `${x.cpuUs.toFixed(1)}/${x.p50Us.toFixed(0)}`).join(' ')}`);
process.exit(0);
