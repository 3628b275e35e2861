// Instructions the proxy executes per MiB of 64 KiB messages (one way, client → server), counted
// by valgrind (cachegrind, no cache simulation): a measure other work on the machine does not
// blur, unlike CPU time. Each build × scenario runs twice in its own proxy process, once with
// MIB mebibytes and once with a quarter of that (start-up, the upgrade, shutdown and the JIT's
// warm-up are in both), and the difference is divided by the 3/4 MIB between. Needs valgrind.
//   BUILDS=main=/tmp/main/dist,new=dist SCENARIOS=pass,lat0,parse node bench/instructions.mjs [MIB]
// (scenarios as in bench/gc-ab.mjs: pass = passthrough, lat0 = `latency, delay: 0`,
// parse = `drop-messages, rate: 0`)
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

const root = new URL('..', import.meta.url).pathname;
const builds = Object.fromEntries((process.env.BUILDS ?? `current=${root}dist`).split(',').map((b) => b.split('=')));
const scenarios = (process.env.SCENARIOS ?? 'pass,lat0,parse').split(',');
const MIB = Number(process.argv[2] ?? 64);
const TEXT = {
  pass: null,
  lat0: 'name: bench-latency0\nfaults:\n  - { type: latency, delay: 0 }\n',
  parse: 'name: bench-parse\nfaults:\n  - { type: drop-messages, rate: 0 }\n',
};
const dir = mkdtempSync(join(os.tmpdir(), 'wsfault-instructions-'));
const msg = (c) => new Promise((r) => c.once('message', r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const listening = async (port) => {
  for (;;) {
    const ok = await new Promise((resolve) => net.connect(port, '127.0.0.1').once('connect', function () { this.destroy(); resolve(true); }).once('error', () => resolve(false)));
    if (ok) return;
    await sleep(200);
  }
};

const up = fork(`${root}bench/upstream.mjs`, { stdio: 'ignore' });
const { port: upstreamPort } = await msg(up);

/** Sends `mib` MiB of 64 KiB binary messages through the proxy, at most 4 MiB in flight. */
async function stream(port, mib) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/sink`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const message = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; i < mib * 16; i++) {
    ws.send(message);
    while (ws.bufferedAmount > 4 * 1024 * 1024) await sleep(1);
  }
  const bytes = await new Promise((resolve) => {
    ws.once('message', (data) => resolve(Number(String(data))));
    ws.send('count');
  });
  ws.close();
  await sleep(200);
  return bytes;
}

async function count(dist, scenario, mib) {
  const port = await freePort();
  const out = join(dir, `cg-${Math.random().toString(36).slice(2)}.out`);
  const args = ['--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${out}`, process.execPath, `${dist}/cli/main.js`, '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn'];
  if (TEXT[scenario]) {
    writeFileSync(join(dir, `${scenario}.yaml`), TEXT[scenario]);
    args.push('--scenario', join(dir, `${scenario}.yaml`));
  }
  const child = spawn('valgrind', args, { stdio: 'ignore' });
  await listening(port);
  const bytes = await stream(port, mib);
  if (bytes !== mib * 1024 * 1024) throw new Error(`${bytes} bytes arrived, ${mib} MiB sent`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const summary = readFileSync(out, 'utf8').match(/^summary: (\d+)/m);
  return Number(summary[1]);
}

for (const [build, dist] of Object.entries(builds)) {
  for (const scenario of scenarios) {
    const full = await count(dist, scenario, MIB);
    const base = await count(dist, scenario, MIB / 4);
    console.log(`${`${build} ${scenario}`.padEnd(16)} ${((full - base) / (MIB * 0.75) / 1e6).toFixed(2)} M instructions per MiB (${(full / 1e6).toFixed(0)} M with ${MIB} MiB, ${(base / 1e6).toFixed(0)} M with ${MIB / 4})`);
  }
}
up.kill();
process.exit(0);
