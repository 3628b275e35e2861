// The reconnect report's cost (issue #15 point 7), on 127.0.0.1:
//   1. the report for 10 000 clients × 20 attempts (200 000 attempts, cap raised to hold them):
//      the objects alone (chaos.report()), the objects + JSON.stringify (what GET /report cost
//      before), and the JSON bytes written from the attempt log (GET /report and --report
//      FILE.json now), compact and indented; Markdown and JUnit from the objects. Each in its
//      own child process (bench/report-build.mjs), `--report-rounds` rounds of `--builds` builds;
//   then in this process:
//   2. the attempt log's cost per connection (open, handshake, close through the events bus);
//   3. pass-through bulk: 64 KiB binary messages one way through the Proxy, attempt log off and
//      on, rounds interleaved (off on off on …), medians.
//
//   npm run build && node bench/report.mjs [--seconds S] [--rounds N] [--builds N] [--report-rounds N] [--only-report]
//        [--only-json] [--variants a,b] [--dist DIR] [--integer-times]    prints JSON
// --only-report: the report rows alone (no per-connection or bulk part); --only-json: of those,
// only the objects, the objects + JSON and the JSON bytes; --variants: these (names as in
// bench/report-build.mjs; fileWrite is `--report FILE.json` down to the file).
// --dist: another build's dist/ (e.g. main's, for before/after runs; rows it lacks are null).
// --integer-times: whole-millisecond times, as the attempt log records them (Date.now()); by
// default times have a random fraction, which costs more to print.
// `node bench/run.mjs --workloads report` runs it as part of the bench.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocketServer, WebSocket } from 'ws';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const seconds = option('--seconds', 3);
const rounds = option('--rounds', 3);
const builds = option('--builds', 5);
const dist = resolve(argv.includes('--dist') ? argv[argv.indexOf('--dist') + 1] : new URL('../dist', import.meta.url).pathname);
const load = async (file) => (existsSync(`${dist}/${file}`) ? import(pathToFileURL(`${dist}/${file}`).href) : null);
const { EventBus } = await load('events/bus.js');
const { Proxy } = await load('proxy/proxy.js');
const { parseTarget } = await load('proxy/address.js');
const { AttemptLog } = await load('report/attempt-log.js');
const { parseClientKey } = await load('report/identity.js');
const reportRounds = option('--report-rounds', 3);
const specs = parseClientKey('query:client');
// The machine's speed now: 1e7 additions (8–15 ms when this 2-core machine is quiet).
const calibrate = () => {
  const t0 = performance.now();
  let x = 0;
  for (let i = 0; i < 1e7; i++) x += i;
  return Math.round((performance.now() - t0 + (x < 0 ? 1 : 0)) * 10) / 10;
};
const calibration = [calibrate()];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// 1. The report's cost, one child process per variant and round (bench/report-build.mjs), the
// variants taking turns round after round, and medians over every build of a variant.
const variants = argv.includes('--variants')
  ? argv[argv.indexOf('--variants') + 1].split(',')
  : argv.includes('--only-json')
    ? ['build', 'buildJson', 'json']
    : ['build', 'buildJson', 'json', 'file', 'fileJson', 'fileWrite', 'markdown', 'junit'];
const times = Object.fromEntries(variants.map((k) => [k, { wall: [], cpu: [], first: [], bytes: null }]));
// The books' work before the timed builds (what the Reporter's settler does as clients go quiet), per child process.
const settles = [];
const child = (variant) =>
  new Promise((done, fail) => {
    const args = [fileURLToPath(new URL('report-build.mjs', import.meta.url)), '--variant', variant, '--builds', String(builds), '--dist', dist, ...(argv.includes('--integer-times') ? ['--integer-times'] : [])];
    execFile(process.execPath, args, { maxBuffer: 1 << 20 }, (error, stdout) => (error ? fail(error) : done(JSON.parse(stdout.trim().split('\n').pop()))));
  });
for (let r = 0; r < Math.max(1, reportRounds); r++) {
  for (const variant of variants) {
    const result = await child(variant);
    times[variant].wall.push(...result.wall);
    times[variant].cpu.push(...result.cpu);
    // A process's first build: the one a CI job waits for at the end of a run.
    times[variant].first.push(result.wall[0]);
    if (result.settle) settles.push(result.settle);
    times[variant].bytes = result.bytes;
  }
}
calibration.push(calibrate());
const summary = (t) => (t.wall.length === 0 ? null : { medianMs: Math.round(median(t.wall)), maxMs: Math.round(Math.max(...t.wall)), runsMs: t.wall.map(Math.round), firstMedianMs: Math.round(median(t.first)), firstRunsMs: t.first.map(Math.round), cpuMedianMs: Math.round(median(t.cpu)), cpuRunsMs: t.cpu.map(Math.round), bytes: t.bytes });
const settleSummary = () => (settles.length === 0 ? null : { books: settles[0].books, medianMs: Math.round(median(settles.map((x) => x.wall))), cpuMedianMs: Math.round(median(settles.map((x) => x.cpu))), usPerAttempt: +((median(settles.map((x) => x.cpu)) * 1000) / 200_000).toFixed(2) });
const buildMs = times.build.wall;
const buildCpuMs = times.build.cpu;
if (argv.includes('--only-report')) {
  console.log(JSON.stringify({ dist, integerTimes: argv.includes('--integer-times'), ...Object.fromEntries(Object.entries(times).map(([k, t]) => [k, summary(t)])), settle: settleSummary(), calibrationMs: calibration, loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)) }));
  process.exit(0);
}

// 2. Per connection: open, handshake, close through the bus, with and without the attempt log;
// `settled`: and each client's book worked out once at the end, as the settler does when it goes quiet.
function perConnection(withLog, settled = false) {
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
  if (settled && l.books) l.books.settleQuiet(Infinity, 100);
  return ((performance.now() - t0) * 1e6) / n / 1e3; // µs per connection
}
const perConn = {
  off: median([perConnection(false), perConnection(false), perConnection(false)]),
  on: median([perConnection(true), perConnection(true), perConnection(true)]),
  settled: median([perConnection(true, true), perConnection(true, true), perConnection(true, true)]),
};

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
    build: { clients: 10_000, attempts: 200_000, medianMs: Math.round(median(buildMs)), maxMs: Math.round(Math.max(...buildMs)), runsMs: buildMs.map(Math.round), cpuMedianMs: Math.round(median(buildCpuMs)), cpuRunsMs: buildCpuMs.map(Math.round) },
    ...Object.fromEntries(Object.entries(times).filter(([k]) => k !== 'build').map(([k, t]) => [k, summary(t)])),
    calibrationMs: calibration,
    perConnectionUs: { off: +perConn.off.toFixed(2), on: +perConn.on.toFixed(2), settledOnce: +perConn.settled.toFixed(2) },
    settle: settleSummary(),
    bulkMBps: { off: Math.round(median(mb.off)), on: Math.round(median(mb.on)), roundsOff: mb.off.map(Math.round), roundsOn: mb.on.map(Math.round) },
    loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
  }),
);
process.exit(0);
