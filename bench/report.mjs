// The reconnect report's cost (issue #15 point 7), in one process on 127.0.0.1:
//   1. building the report for 10 000 clients × 20 attempts (200 000 attempts, cap raised to hold them);
//   2. the attempt log's cost per connection (open, handshake, close through the events bus);
//   3. pass-through bulk: 64 KiB binary messages one way through the Proxy, attempt log off and
//      on, rounds interleaved (off on off on …), medians.
//
//   npm run build && node bench/report.mjs [--seconds S] [--rounds N]     prints JSON
// `node bench/run.mjs --workloads report` runs it as part of the bench.
import { performance } from 'node:perf_hooks';
import { WebSocketServer, WebSocket } from 'ws';
import { EventBus } from '../dist/events/bus.js';
import { Proxy } from '../dist/proxy/proxy.js';
import { parseTarget } from '../dist/proxy/address.js';
import { AttemptLog, newAttempt } from '../dist/report/attempt-log.js';
import { buildReport } from '../dist/report/build.js';
import { parseClientKey } from '../dist/report/identity.js';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const seconds = option('--seconds', 3);
const rounds = option('--rounds', 3);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// 1. Build time. Each client: 20 attempts, rejected 503 and retried with a doubling wait (±20 %
// from a fixed LCG, so every run builds the same log), the last one upgraded.
const specs = parseClientKey('query:client');
let seed = 42;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const log = new AttemptLog(specs, 200_000);
const attempts = [];
for (let c = 0; c < 10_000; c++) {
  let t = 1_000_000 + rand() * 1000;
  for (let k = 0; k < 20; k++) {
    const last = k === 19;
    const fields = { key: `client-${c}`, keyedBy: 'query:client', method: 'GET', path: '/', end: t + 5, status: last ? 101 : 503, upgradedAt: last ? t + 3 : undefined, how: 'fin', closedBy: 'client', faults: last ? [] : ['status'] };
    attempts.push(newAttempt(`c${c}-${k}`, 'default', '127.0.0.1', t, fields));
    t += 5 + Math.min(60_000, 100 * 2 ** Math.min(k, 10)) * (0.8 + rand() * 0.4);
  }
}
attempts.sort((a, b) => a.start - b.start);
for (const a of attempts) log.add(a);
// Wall time, and CPU time of the process (user + system, GC threads included), per build: on a
// shared machine the CPU time says more about the build's own cost than the wall time does.
const buildMs = [];
const buildCpuMs = [];
let report;
for (let i = 0; i < 5; i++) {
  report = null; // as a server does: the last report is garbage before the next is built
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  report = buildReport(log, { specs, mergeWindowMs: 100, expect: { minWaitMs: 50, maxAttempts: 25, jitter: true, herd: false }, now: 1e13 });
  buildMs.push(performance.now() - t0);
  const cpu = process.cpuUsage(c0);
  buildCpuMs.push((cpu.user + cpu.system) / 1000);
}

// 2. Per connection: open, handshake, close through the bus, with and without the attempt log.
function perConnection(withLog) {
  const bus = new EventBus();
  bus.subscribe(() => {}); // the events are built either way (the CLI always has a listener)
  const l = new AttemptLog(specs);
  if (withLog) l.attach(bus);
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const conn = `c-${i}`;
    bus.emit('default', 'connection.open', { conn, client: { address: '127.0.0.1', port: 40000 } });
    if (bus.observed) bus.request('default', conn, { method: 'GET', path: '/', query: `client=${i % 1000}`, headers: [['Host', 'x']], upgrade: true });
    bus.emit('default', 'handshake', { conn, path: '/', subprotocols: [], status: 101, faults: [] });
    bus.emit('default', 'connection.close', { conn, by: 'client', how: 'close-frame', code: 1000, durationMs: 1, bytes: { up: 1, down: 1 }, messages: { up: 0, down: 0 } });
  }
  return ((performance.now() - t0) * 1e6) / n / 1e3; // µs per connection
}
const perConn = { off: median([perConnection(false), perConnection(false), perConnection(false)]), on: median([perConnection(true), perConnection(true), perConnection(true)]) };

// 3. Bulk through the Proxy, attempt log off and on.
const sink = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 1 << 30 });
await new Promise((r) => sink.once('listening', r));
sink.on('connection', (ws) => ws.on('message', () => {}));
async function bulk(withLog) {
  const bus = new EventBus();
  bus.subscribe(() => {});
  const l = new AttemptLog(specs);
  const detach = withLog ? l.attach(bus) : () => {};
  const proxy = new Proxy({ name: 'default', listen: { host: '127.0.0.1', port: 0 }, target: parseTarget(`ws://127.0.0.1:${sink.address().port}`), bus });
  await proxy.start();
  const ws = new WebSocket(`${proxy.url}/?client=bulk`);
  await new Promise((r) => ws.once('open', r));
  const chunk = Buffer.alloc(64 * 1024, 7);
  let bytes = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  while (performance.now() < until) {
    ws.send(chunk);
    bytes += chunk.length;
    if (ws.bufferedAmount > 8 * 1024 * 1024) await new Promise((r) => setTimeout(r, 1));
  }
  while (ws.bufferedAmount > 0) await new Promise((r) => setTimeout(r, 1));
  const elapsed = (performance.now() - t0) / 1000;
  ws.close();
  await proxy.stop(200);
  detach();
  return bytes / elapsed / 1e6;
}
const mb = { off: [], on: [] };
for (let r = 0; r < rounds; r++) {
  mb.off.push(await bulk(false));
  mb.on.push(await bulk(true));
}
sink.close();

console.log(
  JSON.stringify({
    build: { clients: report.clients.length, attempts: log.total, medianMs: Math.round(median(buildMs)), maxMs: Math.round(Math.max(...buildMs)), runsMs: buildMs.map(Math.round), cpuMedianMs: Math.round(median(buildCpuMs)), cpuRunsMs: buildCpuMs.map(Math.round) },
    perConnectionUs: { off: +perConn.off.toFixed(2), on: +perConn.on.toFixed(2) },
    bulkMBps: { off: Math.round(median(mb.off)), on: Math.round(median(mb.on)), roundsOff: mb.off.map(Math.round), roundsOn: mb.on.map(Math.round) },
    loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
  }),
);
process.exit(0);
