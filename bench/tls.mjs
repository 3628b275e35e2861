// TLS benchmark: wss:// through wsfault --tls beside nginx terminating TLS (Debian's nginx has the
// ssl module), in one run on 127.0.0.1, rounds interleaved, medians reported. Not part of `npm test`.
//
//   npm run build && node bench/tls.mjs [--rounds N] [--seconds S] [--connects N] [--baseline DIR] [--docs]
//
// Both proxies serve the same certificate (an EC P-256 leaf for localhost from a fresh test CA,
// the CA in the chain) and forward to the bench's plain ws upstream. Measured per path:
//   bulk: 64 KiB binary messages, client → proxy → upstream sink, for S seconds (MB/s), and the
//         proxy's CPU time per GB (user + system, all threads; nginx: its worker);
//   handshake: N new connections one after another, each TCP + TLS (full handshake, no session
//         resumption) + WebSocket upgrade, time from connect to open (median, p90).
// The note names the protocol and cipher each TLS path negotiates with a default Node client.
// `wsfault ws://` is the same wsfault process without TLS, for what TLS costs it. The proxy's
// socket reads (read() calls and bytes, /proc/PID/io) give the average read during bulk, which
// load moves less than time. --baseline DIR adds a second wsfault --tls from DIR/dist (another
// build, e.g. `git archive` of an older commit built there) to the same interleaved rounds.
import { fork, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxConfig } from './nginx-config.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const rounds = option('--rounds', 5);
const seconds = option('--seconds', 4);
const connects = option('--connects', 200);
const writeDocs = argv.includes('--docs');
const baselineAt = argv.includes('--baseline') ? argv[argv.indexOf('--baseline') + 1] : null;
const log = (...a) => console.error(...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const tmp = mkdtempSync(join(os.tmpdir(), 'wsfault-bench-tls-'));
const children = new Set();
const track = (child) => (children.add(child), child.once('exit', () => children.delete(child)), child);
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(1));

// wsfault runs from a snapshot of dist/, so a build during the run cannot change it.
const app = join(tmp, 'app');
cpSync(join(root, 'dist'), join(app, 'dist'), { recursive: true });
cpSync(join(root, 'package.json'), join(app, 'package.json'));
cpSync(join(root, 'scenarios'), join(app, 'scenarios'), { recursive: true });
const nodeModules = join(app, 'node_modules');
if (!existsSync(nodeModules)) (await import('node:fs')).symlinkSync(join(root, 'node_modules'), nodeModules);
const baselineApp = join(tmp, 'baseline');
if (baselineAt) {
  cpSync(join(baselineAt, 'dist'), join(baselineApp, 'dist'), { recursive: true });
  cpSync(join(baselineAt, 'package.json'), join(baselineApp, 'package.json'));
  cpSync(join(baselineAt, 'scenarios'), join(baselineApp, 'scenarios'), { recursive: true });
  (await import('node:fs')).symlinkSync(join(root, 'node_modules'), join(baselineApp, 'node_modules'));
}

// One certificate for both: the test CA of a fresh directory and a leaf for localhost.
const { loadOrCreateCa } = await import(join(app, 'dist/tls/ca.js'));
const { keyToPem, makeLeaf, newKeys, pem } = await import(join(app, 'dist/tls/x509.js'));
const caDir = join(tmp, 'ca');
const ca = await loadOrCreateCa(caDir);
const keys = await newKeys();
const leaf = await makeLeaf(keys, { names: ['localhost', '127.0.0.1'], notBefore: new Date(Date.now() - 86_400_000), notAfter: new Date(Date.now() + 86_400_000), issuer: ca });
writeFileSync(join(tmp, 'chain.pem'), pem(leaf) + ca.certPem);
writeFileSync(join(tmp, 'key.pem'), await keyToPem(keys.privateKey), { mode: 0o600 });

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});
async function waitForPort(port) {
  for (let i = 0; i < 2_000; i++) {
    const ok = await new Promise((resolve) => net.connect(port, '127.0.0.1').once('connect', function () { this.destroy(); resolve(true); }).once('error', () => resolve(false)));
    if (ok) return;
    await sleep(10);
  }
  throw new Error(`nothing listens on ${port}`);
}
const ticks = (pid) => {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return null;
  }
};
/** read() calls and the bytes they returned so far (/proc/PID/io; nginx's worker is ours too). */
const reads = (pid) => {
  try {
    const f = Object.fromEntries(readFileSync(`/proc/${pid}/io`, 'utf8').trim().split('\n').map((l) => l.split(': ')));
    return { calls: Number(f.syscr), bytes: Number(f.rchar) };
  } catch {
    return null;
  }
};
const childPids = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

const upstream = track(fork(join(here, 'upstream.mjs'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
const upstreamPort = await new Promise((resolve) => upstream.once('message', (m) => resolve(m.port)));

async function startNginx() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmp, 'nginx-'));
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig({ dir, port, upstreamPort, files: 2048, tls: { cert: `${tmp}/chain.pem`, key: `${tmp}/key.pem` } }));
  const child = track(spawn('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' }));
  await waitForPort(port);
  let worker;
  for (let i = 0; i < 200 && !worker; i++) (worker = childPids(child.pid)[0]) || (await sleep(5));
  return { child, url: `wss://localhost:${port}`, pid: worker ?? child.pid };
}

async function startWsfault(from = app) {
  const port = await freePort();
  const child = track(spawn(process.execPath, [join(from, 'dist/cli/main.js'), '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn', '--tls', '--tls-ca-dir', caDir], { stdio: ['ignore', 'pipe', 'inherit'] }));
  await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => (out += d) && /wss:\/\//.test(out) && resolve());
    child.once('exit', (code) => reject(new Error(`wsfault exited ${code}`)));
  });
  await waitForPort(port);
  return { child, url: `wss://localhost:${port}`, plainUrl: `ws://127.0.0.1:${port}`, pid: child.pid };
}

function client(args) {
  const child = track(fork(join(here, 'client.mjs'), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.certPath } }));
  return new Promise((resolve, reject) => {
    child.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    child.once('exit', (code) => code && reject(new Error(`client exited ${code}`)));
  });
}

const nginx = await startNginx();
const wsfault = await startWsfault();
const paths = [
  { name: 'nginx (TLS terminated)', url: nginx.url, pid: nginx.pid },
  { name: 'wsfault --tls passthrough', url: wsfault.url, pid: wsfault.pid },
  { name: 'wsfault ws:// (same process, no TLS)', url: wsfault.plainUrl, pid: wsfault.pid },
];
if (baselineAt) {
  const baseline = await startWsfault(baselineApp);
  paths.splice(2, 0, { name: 'wsfault --tls passthrough, baseline build', url: baseline.url, pid: baseline.pid });
}
/** What a default Node client (as the load clients are) negotiates with a path: protocol and cipher. */
const negotiated = (url) => new Promise((resolve) => {
  const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(url).port), servername: 'localhost', ca: ca.certPem }, () => {
    resolve(`${socket.getProtocol()} ${socket.getCipher().standardName}`);
    socket.destroy();
  });
  socket.once('error', (error) => resolve(`no TLS (${error.message})`));
});
const ciphers = [];
for (const path of paths) if (path.url.startsWith('wss:')) ciphers.push(`${path.name.split(' (')[0]}: ${await negotiated(path.url)}`);
log(`negotiated: ${ciphers.join('; ')}`);
const samples = Object.fromEntries(paths.map((p) => [p.name, { mbps: [], cpuPerGB: [], readKiB: [], connect: [] }]));
const started = performance.now();
const loadStart = os.loadavg()[0];
for (let round = 1; round <= rounds; round++) {
  for (const path of paths) {
    const before = ticks(path.pid);
    const readsBefore = reads(path.pid);
    const r = await client(['stream', path.url, String(seconds), String(64 * 1024)]);
    const cpuS = (ticks(path.pid) - before) / 100;
    const readsAfter = reads(path.pid);
    samples[path.name].mbps.push(r.bytes / r.seconds / 1e6);
    samples[path.name].cpuPerGB.push(cpuS / (r.bytes / 1e9));
    if (readsBefore && readsAfter) samples[path.name].readKiB.push((readsAfter.bytes - readsBefore.bytes) / (readsAfter.calls - readsBefore.calls) / 1024);
    const c = await client(['connect', path.url, String(connects)]);
    samples[path.name].connect.push(...c.times);
    log(`round ${round} ${path.name}: ${(r.bytes / r.seconds / 1e6).toFixed(0)} MB/s, ${(cpuS / (r.bytes / 1e9)).toFixed(2)} s/GB, read ${samples[path.name].readKiB.at(-1)?.toFixed(1)} KiB, connect p50 ${median(c.times).toFixed(2)} ms`);
  }
}
const load = os.loadavg()[0];
const rows = paths.map((p) => {
  const s = samples[p.name];
  const sorted = [...s.connect].sort((a, b) => a - b);
  return { name: p.name, mbps: median(s.mbps), mbpsMin: Math.min(...s.mbps), mbpsMax: Math.max(...s.mbps), cpuPerGB: median(s.cpuPerGB), readKiB: s.readKiB.length ? median(s.readKiB) : NaN, connectP50: median(sorted), connectP90: sorted[Math.floor(sorted.length * 0.9)] };
});
const ng = rows[0];
const table = [
  '| path | bulk 64 KiB (MB/s) | range (MB/s) | vs nginx | proxy CPU per GB (s) | proxy read (KiB, average) | new connection p50 (ms) | p90 (ms) |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.name} | ${r.mbps.toFixed(0)} | ${r.mbpsMin.toFixed(0)}–${r.mbpsMax.toFixed(0)} | ${(r.mbps / ng.mbps).toFixed(2)}× | ${r.cpuPerGB.toFixed(2)} | ${r.readKiB.toFixed(1)} | ${r.connectP50.toFixed(2)} | ${r.connectP90.toFixed(2)} |`),
].join('\n');
const elapsed = (performance.now() - started) / 1000;
const note = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`node bench/tls.mjs\` (${rounds} rounds interleaved, ${seconds} s of bulk and ${connects} new connections per path and round; ${elapsed.toFixed(0)} s) on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}; load average ${loadStart.toFixed(2)} at the start and ${load.toFixed(2)} at the end${baselineAt ? `; the baseline build from ${baselineAt}` : ''}. Negotiated with the load clients' defaults: ${ciphers.join('; ')}.`;
console.log(`${note}\n\n${table}`);
if (writeDocs) {
  const file = join(root, 'docs/PERFORMANCE.md');
  const block = `<!-- bench-tls:begin (generated by bench/tls.mjs --docs; edit outside these markers) -->\n${note}\n\n${table}\n<!-- bench-tls:end -->`;
  const doc = readFileSync(file, 'utf8');
  const re = /<!-- bench-tls:begin[\s\S]*?<!-- bench-tls:end -->/;
  writeFileSync(file, re.test(doc) ? doc.replace(re, block) : `${doc.trimEnd()}\n\n## TLS (wss://)\n\n${block}\n`);
}
process.exit(0);
