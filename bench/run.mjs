// npm run bench [-- --quick]: wsfault against direct, nginx and plain http-proxy, in one run on
// loopback. Every role is its own process (upstream, proxy, load client); rounds are interleaved
// (A B C … A B C …) and medians reported, so drift on a noisy machine hits every path alike.
// Writes bench/results/latest.json and the tables into docs/PERFORMANCE.md.
import { execFileSync, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const quick = process.argv.includes('--quick');
const settings = quick
  ? { rounds: 1, rtt: 2_000, warmup: 200, streamSeconds: 2, idle: [1_000], startups: 3 }
  : { rounds: 3, rtt: 20_000, warmup: 1_000, streamSeconds: 5, idle: [1_000, 9_800], startups: 7 };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tmp = mkdtempSync(join(os.tmpdir(), 'wsfault-bench-'));

function forkReady(file, args = []) {
  const child = fork(file, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve) => child.once('message', (m) => resolve({ child, ...m })));
}

async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => net.connect(port, '127.0.0.1').once('connect', function () { this.destroy(); resolve(true); }).once('error', () => resolve(false)));
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await sleep(5);
  }
}

const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

// --- the paths --------------------------------------------------------------------------------
async function startNginx(upstreamPort) {
  const port = await freePort();
  const conf = join(tmp, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid ${tmp}/nginx.pid;
error_log ${tmp}/nginx-error.log warn;
events { worker_connections 19900; }
http {
  access_log off;
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout 3600s;
    }
  }
}
`);
  const child = spawn('nginx', ['-c', conf, '-p', tmp], { stdio: 'ignore' });
  await waitForPort(port);
  // RSS is the worker's (the master only supervises).
  const worker = () => Number(execFileSync('pgrep', ['-P', String(child.pid)]).toString().trim().split('\n')[0]);
  return { name: 'nginx', url: `ws://127.0.0.1:${port}`, pid: worker, stop: () => child.kill('SIGQUIT') };
}

async function startHttpProxy(upstreamPort) {
  const { child, port } = await forkReady(join(here, 'http-proxy.mjs'), [`http://127.0.0.1:${upstreamPort}`]);
  return { name: 'http-proxy', url: `ws://127.0.0.1:${port}`, pid: () => child.pid, stop: () => child.kill() };
}

async function startWsfault(upstreamPort, label, scenario) {
  const port = await freePort();
  const args = [join(root, 'dist/cli/main.js'), '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn'];
  if (scenario) {
    const file = join(tmp, `${label}.yaml`);
    writeFileSync(file, scenario);
    args.push('--scenario', file);
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return { name: label, url: `ws://127.0.0.1:${port}`, pid: () => child.pid, stop: () => child.kill('SIGKILL') };
}

// --- workloads --------------------------------------------------------------------------------
function runClient(args, keep = false) {
  const child = fork(join(here, 'client.mjs'), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(keep ? { ...m, child } : m));
    child.once('exit', (code) => code && reject(new Error(`client ${args[0]} exited ${code}`)));
  });
}

const results = { machine: {}, rtt: {}, stream: {}, idle: {}, startup: {} };
const up = await forkReady(join(here, 'upstream.mjs'));
const paths = [
  { name: 'direct', url: `ws://127.0.0.1:${up.port}`, pid: () => up.child.pid, stop: () => {} },
  await startNginx(up.port),
  await startHttpProxy(up.port),
  await startWsfault(up.port, 'wsfault passthrough'),
  await startWsfault(up.port, 'wsfault latency 0', 'name: bench-latency0\nfaults:\n  - { type: latency, delay: 0 }\n'),
  await startWsfault(up.port, 'wsfault parsed frames', 'name: bench-parse\nfaults:\n  - { type: drop-messages, rate: 0 }\n'),
];
console.error(`paths: ${paths.map((p) => p.name).join(', ')}; ${quick ? 'quick' : 'full'} run`);

for (let round = 0; round < settings.rounds; round++) {
  for (const path of paths) {
    const r = await runClient(['rtt', path.url, String(settings.rtt), String(settings.warmup)]);
    (results.rtt[path.name] ??= []).push(r);
    console.error(`round ${round + 1} rtt ${path.name}: p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms`);
  }
  for (const path of paths) {
    const r = await runClient(['stream', path.url, String(settings.streamSeconds), String(64 * 1024)]);
    (results.stream[path.name] ??= []).push(r.bytes / r.seconds / 1e6);
    console.error(`round ${round + 1} stream ${path.name}: ${(r.bytes / r.seconds / 1e6).toFixed(1)} MB/s`);
  }
}

// Idle connections: proxy RSS growth per connection and time to open them (one round each), on
// a fresh proxy process each time so memory kept from the bulk runs does not count.
const freshPath = {
  nginx: () => startNginx(up.port),
  'http-proxy': () => startHttpProxy(up.port),
  'wsfault passthrough': () => startWsfault(up.port, 'wsfault passthrough'),
  'wsfault parsed frames': () => startWsfault(up.port, 'wsfault parsed frames', 'name: bench-parse\nfaults:\n  - { type: drop-messages, rate: 0 }\n'),
};
for (const path of paths) path.stop();
await sleep(500);
for (const n of settings.idle) {
  for (const [name, start] of Object.entries(freshPath)) {
    const path = await start();
    await sleep(300);
    const pid = path.pid();
    const before = rssKiB(pid);
    try {
      const r = await runClient(['idle', path.url, String(n)], true);
      await sleep(500);
      const after = rssKiB(pid);
      results.idle[`${path.name} ${n}`] = { n, ms: r.ms, rssMiB: after / 1024, perConnectionKiB: (after - before) / n };
      console.error(`idle ${n} ${path.name}: open in ${r.ms.toFixed(0)} ms, RSS ${(after / 1024).toFixed(1)} MiB, +${((after - before) / n).toFixed(2)} KiB/conn`);
      r.child.send('stop');
      await new Promise((resolve) => r.child.once('exit', resolve));
    } catch (error) {
      results.idle[`${path.name} ${n}`] = { n, error: String(error.message ?? error) };
      console.error(`idle ${n} ${path.name}: ${error.message}`);
    }
    path.stop();
    await sleep(1_000);
  }
}

// Start-up: spawn to accepting connections.
const startups = [];
for (let i = 0; i < settings.startups; i++) {
  const port = await freePort();
  const t = performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), '--target', `ws://127.0.0.1:${up.port}`, '--listen', `127.0.0.1:${port}`, '--api', 'off'], { stdio: 'ignore' });
  await waitForPort(port);
  startups.push(performance.now() - t);
  child.kill('SIGKILL');
}
results.startup = { medianMs: median(startups), runs: startups };

up.child.kill();

// --- report -----------------------------------------------------------------------------------
const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model;
const nginxVersion = execFileSync('nginx', ['-v'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString() || '';
results.machine = { date: new Date().toISOString(), cpu, cores: os.cpus().length, memGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, nginx: nginxVersion.trim() || 'nginx 1.22', quick };
const directP50 = median(results.rtt.direct.map((r) => r.p50));
const rows = paths.map((p) => {
  const p50 = median(results.rtt[p.name].map((r) => r.p50));
  const p99 = median(results.rtt[p.name].map((r) => r.p99));
  return { name: p.name, p50, p99, added: p50 - directP50, mbps: median(results.stream[p.name]) };
});
const row = (name) => rows.find((r) => r.name === name);
const nginx = row('nginx');
const pass = row('wsfault passthrough');
const parsed = row('wsfault parsed frames');
const idleMax = settings.idle[settings.idle.length - 1];
const idleWsfault = results.idle[`wsfault passthrough ${idleMax}`];
const targets = [
  ['passthrough bulk ≥ 1.0× nginx', `${(pass.mbps / nginx.mbps).toFixed(2)}×`, pass.mbps >= nginx.mbps],
  ["added p50 latency ≤ nginx's", `${(pass.added * 1000).toFixed(0)} µs vs ${(nginx.added * 1000).toFixed(0)} µs`, pass.added <= nginx.added],
  ['parsed-frames bulk ≥ 0.8× passthrough', `${(parsed.mbps / pass.mbps).toFixed(2)}×`, parsed.mbps >= 0.8 * pass.mbps],
  [`${idleMax} idle connections: proxy RSS ≤ 150 MB`, idleWsfault?.rssMiB ? `${idleWsfault.rssMiB.toFixed(1)} MiB` : 'n/a', (idleWsfault?.rssMiB ?? Infinity) * 1.048576 <= 150],
  ['start-up ≤ 300 ms', `${results.startup.medianMs.toFixed(0)} ms`, results.startup.medianMs <= 300],
];
const table = [
  '| path | echo p50 (ms) | echo p99 (ms) | added p50 vs direct (µs) | 64 KiB stream (MB/s) |',
  '|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.name === 'direct' ? '—' : (r.added * 1000).toFixed(0)} | ${r.mbps.toFixed(1)} |`),
  '',
  '| idle WebSockets | time to open (ms) | proxy RSS (MiB) | RSS growth per connection (KiB) |',
  '|---|---|---|---|',
  ...Object.entries(results.idle).map(([k, v]) => (v.error ? `| ${k} | ${v.error} | | |` : `| ${k} | ${v.ms.toFixed(0)} | ${v.rssMiB.toFixed(1)} | ${v.perConnectionKiB.toFixed(2)} |`)),
  '',
  `Start-up (spawn to accepting connections, median of ${settings.startups}): ${results.startup.medianMs.toFixed(0)} ms.`,
  '',
  '| target | measured | met |',
  '|---|---|---|',
  ...targets.map(([t, m, ok]) => `| ${t} | ${m} | ${ok ? 'yes' : '**no**'} |`),
].join('\n');
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results/latest.json'), JSON.stringify({ ...results, rows, targets }, null, 2));
const m = results.machine;
writeFileSync(
  join(root, 'docs/PERFORMANCE.md'),
  `# Performance

Measured by \`npm run bench\` (bench/run.mjs) on ${m.date.slice(0, 10)}: ${m.cores} cores (${m.cpu}), ${m.memGiB} GiB, Node ${m.node}, ${m.nginx}.
${m.quick ? '**Quick run** (`--quick`): fewer rounds and samples; use a full run for decisions.\n' : ''}
Every role runs in its own process on 127.0.0.1: a ws upstream (echo, and a byte-counting sink),
the proxy, and a load client. Paths: direct (client to server), nginx (1 worker, the usual
\`proxy_http_version 1.1\` with Upgrade/Connection headers), plain http-proxy with \`ws: true\`, and
wsfault in three modes: passthrough, a transport fault with no effect (latency 0: bytes go through
the timing queue) and a message fault with no effect (drop-messages rate 0: every frame parsed).
Echo: ${settings.rtt} round trips of 32 bytes on one connection after ${settings.warmup} warm-up ones. Stream:
64 KiB binary messages one way for ${settings.streamSeconds} s, counted by the server. Rounds interleaved (${settings.rounds}),
medians reported. Idle: N WebSockets opened 200 at a time and held; RSS of the proxy process
(nginx: its worker). This sandbox's hard file limit is 20 000, so a proxy (two sockets per
connection) can hold at most ~9 900 connections: the "10 000 idle" workload runs with 9 800.
Each idle measurement starts a fresh proxy process.

${table}

Rerun: \`npm run build && npm run bench\` (Debian nginx must be installed: \`apt-get install nginx\`).
The raw numbers are in bench/results/latest.json (not committed).
`,
);
console.log(table);
process.exit(0);
