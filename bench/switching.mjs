// Issue #13 target 6, first half: `PUT /proxies/default/scenario` with `apply: all` on N open
// WebSockets (default 5 000). wsfault (dist/, API on loopback), the ws upstream
// (bench/upstream.mjs) and the client holding the connections (bench/client.mjs idle) are each
// their own process on 127.0.0.1. Switches alternate between a message fault on every
// connection (`drop-messages rate: 0`, which puts each connection in parsed mode) and
// passthrough; reported: the request's wall time as the caller sees it and the proxy's CPU time
// for it (10 ms ticks), medians of --rounds.
//   node bench/switching.mjs [--connections 5000] [--rounds 5] [--dist DIR] [--json]
// --dist runs another build (A/B: run it alternately with this tree's dist/); --json prints one
// JSON object (bench/run.mjs's `switching` workload). The first switch of a process (JIT, lazy
// loading) is reported on its own and left out of the medians.
//   WSFAULT_NODE_ARGS=--trace-gc node bench/switching.mjs --rounds 0 --proxy-output /tmp/gc.txt
//   WSFAULT_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' node bench/switching.mjs   # then bench/profile-summary.mjs
import { openSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort, listening, message, node, ticks, wait } from './processes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const connections = arg('--connections', 5000);
const rounds = arg('--rounds', 5);
const dist = process.argv.includes('--dist') ? process.argv[process.argv.indexOf('--dist') + 1] : `${root}dist`;
const json = process.argv.includes('--json');
// The proxy's stdout and stderr to a file (e.g. with WSFAULT_NODE_ARGS=--trace-gc), else nowhere.
const proxyOutput = process.argv.includes('--proxy-output') ? openSync(process.argv[process.argv.indexOf('--proxy-output') + 1], 'w') : 'ignore';

const upstream = node([`${root}bench/upstream.mjs`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const { port: upstreamPort } = await message(upstream);
const [port, apiPort] = [await freePort(), await freePort()];
const nodeArgs = process.env.WSFAULT_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
const proxy = node([...nodeArgs, `${dist}/cli/main.js`, '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', `127.0.0.1:${apiPort}`, '--log-level', 'warn'], { stdio: ['ignore', proxyOutput, proxyOutput] });
try {
  await listening(proxy, [port, apiPort]);
} catch (error) {
  upstream.kill();
  proxy.kill('SIGKILL');
  throw error;
}
// bash execs node, so the pid is the proxy's.
const client = node([`${root}bench/client.mjs`, 'idle', `ws://127.0.0.1:${port}`, String(connections)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const opened = await message(client);
if (opened.error) throw new Error(`client: ${opened.error} after ${opened.open}`);
await wait(1000);

const bodies = [
  { scenario: { name: 'drop-none', faults: [{ type: 'drop-messages', rate: 0 }] }, apply: 'all' },
  { name: 'passthrough', apply: 'all' },
];
const samples = { 'message fault': [], passthrough: [] };
let first = null;
const loads = [];
for (let i = -1; i < rounds * 2; i++) {
  const body = bodies[i < 0 ? 0 : i % 2];
  if (i === 0) await fetch(`http://127.0.0.1:${apiPort}/proxies/default/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodies[1]) }).then((r) => r.text()).then(() => wait(700));
  const c0 = ticks(proxy.pid);
  const t = performance.now();
  const res = await fetch(`http://127.0.0.1:${apiPort}/proxies/default/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  const ms = performance.now() - t;
  if (!res.ok) throw new Error(`PUT answered ${res.status}`);
  await wait(300); // CPU after the answer (timers, lazy work) counts too
  const sample = { ms, cpuMs: (ticks(proxy.pid) - c0) * 10 };
  loads.push(os.loadavg()[0]);
  if (i < 0) first = sample;
  else samples[i % 2 ? 'passthrough' : 'message fault'].push(sample);
  await wait(700);
}
client.send('stop');
proxy.kill(nodeArgs.length ? 'SIGINT' : 'SIGKILL'); // SIGINT lets --cpu-prof write its profile
await wait(nodeArgs.length ? 8000 : 0);
upstream.kill();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (json) {
  const summary = (list) => ({ medianMs: Math.round(median(list.map((s) => s.ms))), ms: list.map((s) => Math.round(s.ms)), cpuMs: median(list.map((s) => s.cpuMs)) });
  console.log(JSON.stringify({ connections: opened.open, rounds, first: { ms: Math.round(first.ms), cpuMs: first.cpuMs }, toFault: summary(samples['message fault']), back: summary(samples.passthrough), load1: loads }));
  process.exit(0);
}
console.log(`first switch of the process (to the message fault): ${first.ms.toFixed(0)} ms wall, proxy CPU ${first.cpuMs} ms; 1-min load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
console.log(`PUT /proxies/default/scenario, apply: all, ${opened.open} open WebSockets, ${rounds} rounds each:`);
for (const [to, list] of Object.entries(samples)) if (list.length > 0) console.log(`  to ${to.padEnd(14)} ${median(list.map((s) => s.ms)).toFixed(0)} ms wall (${list.map((s) => s.ms.toFixed(0)).join(' ')}), proxy CPU ${median(list.map((s) => s.cpuMs))} ms (incl. 300 ms after)`);
process.exit(0);
