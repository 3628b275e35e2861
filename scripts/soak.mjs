// npm run soak -- --minutes N: connect/echo/close cycles through a wsfault process for N minutes,
// rotating faults (latency, reset, idle-timeout, close-frame, drop-messages) every 10 s. Prints
// the proxy's RSS, open file descriptors and error count each minute; at the end checks that its
// descriptors are back to the baseline and that it logged no error. Exit 1 if not.
import { fork, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const root = fileURLToPath(new URL('..', import.meta.url));
const minutes = Number(process.argv[process.argv.indexOf('--minutes') + 1] || 1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });

const up = fork(`${root}bench/upstream.mjs`, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const { port: upPort } = await new Promise((r) => up.once('message', r));
const [port, apiPort] = [await freePort(), await freePort()];
const proxy = spawn(process.execPath, ['--expose-gc', `${root}dist/cli/main.js`, '--target', `ws://127.0.0.1:${upPort}`, '--listen', `127.0.0.1:${port}`, '--api', `127.0.0.1:${apiPort}`, '--log-format', 'json', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
let errors = 0;
proxy.stderr.on('data', (d) => {
  for (const line of String(d).split('\n')) if (/"level":(50|60)|uncaught/i.test(line)) (errors++, console.error(line));
});
for (;;) { const ok = await new Promise((r) => net.connect(apiPort, '127.0.0.1').once('connect', function () { this.destroy(); r(true); }).once('error', () => r(false))); if (ok) break; await sleep(50); }

const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proxy.pid}/status`, 'utf8'))[1]) / 1024;
const fds = () => readdirSync(`/proc/${proxy.pid}/fd`).length;
const use = (scenario) => fetch(`http://127.0.0.1:${apiPort}/proxies/default/scenario`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario }) });
const scenarios = [
  { name: 'latency', faults: [{ type: 'latency', delay: '2ms', jitter: '1ms' }] },
  { name: 'reset', faults: [{ type: 'reset', after: '3ms' }] },
  { name: 'idle', faults: [{ type: 'idle-timeout', timeout: '5ms' }] },
  { name: 'close-frame', faults: [{ type: 'close-frame', code: 4000, after: '1ms' }] },
  { name: 'drop', faults: [{ type: 'drop-messages', rate: 0.5 }, { type: 'idle-timeout', timeout: '50ms' }] },
];
const cycle = () =>
  new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    ws.on('open', () => ws.send('x'));
    ws.on('message', () => ws.close());
    ws.on('error', () => {});
    ws.on('close', resolve);
    ws.on('unexpected-response', () => resolve());
  });

const baseline = fds();
console.log(`soak: ${minutes} min, baseline ${baseline} fds, ${rssMiB().toFixed(1)} MiB RSS`);
const end = Date.now() + minutes * 60_000;
let cycles = 0;
let nextReport = Date.now() + 60_000;
let nextSwitch = 0;
let s = 0;
while (Date.now() < end) {
  if (Date.now() >= nextSwitch) {
    await use(scenarios[s++ % scenarios.length]);
    nextSwitch = Date.now() + 10_000;
  }
  await Promise.all(Array.from({ length: 20 }, cycle));
  cycles += 20;
  if (Date.now() >= nextReport) {
    console.log(`minute ${Math.round((Date.now() - (end - minutes * 60_000)) / 60_000)}: ${cycles} cycles, RSS ${rssMiB().toFixed(1)} MiB, ${fds()} fds, ${errors} errors`);
    nextReport += 60_000;
  }
}
await use({ name: 'passthrough', faults: [] });
await sleep(2_000);
const after = fds();
console.log(`done: ${cycles} cycles, RSS ${rssMiB().toFixed(1)} MiB, ${after} fds (baseline ${baseline}), ${errors} errors`);
proxy.kill('SIGTERM');
up.kill();
process.exit(after <= baseline + 2 && errors === 0 ? 0 : 1);
