// Issue #13 target 6: what a switch with apply=all allocates per open connection, the part of
// its cost that a busy machine does not change (wall and CPU times: bench/switching.mjs). The
// proxy is started through the library in this process so V8's sampling heap profiler can count
// every allocation during `use()`, collected or not; the ws upstream (bench/upstream.mjs) and the
// client holding the connections (bench/client.mjs idle) are their own processes.
//   node bench/switch-alloc.mjs [--connections 5000] [--dist DIR] [--top N]
// Three switches: to `drop-messages rate: 0` (every connection makes its message layer and both
// pipes go to parsed mode), back to passthrough, and to the fault again. For the first, the
// functions that allocated most (bytes per connection; V8 names a function by where its code
// was inlined, so a callee's allocation may show under its caller).
import { fork } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const connections = Number(arg('--connections', 5000));
const dist = resolve(arg('--dist', `${root}dist`));
const top = Number(arg('--top', 12));

const { startWsfault } = await import(pathToFileURL(`${dist}/index.js`).href);
const message = (child) => new Promise((resolve, reject) => { child.once('message', resolve); child.once('exit', (code) => reject(new Error(`exited ${code}`))); });
const upstream = fork(`${root}bench/upstream.mjs`, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const { port } = await message(upstream);
const chaos = await startWsfault({ target: `ws://127.0.0.1:${port}`, seed: 1 });
const client = fork(`${root}bench/client.mjs`, ['idle', chaos.url, String(connections)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const opened = await message(client);
if (opened.error) throw new Error(`client: ${opened.error} after ${opened.open}`);
await new Promise((r) => setTimeout(r, 500));

const session = new Session();
session.connect();
/** Bytes sampled per function (self), and their sum. */
function byFunction(profile) {
  const self = new Map();
  let total = 0;
  const walk = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').pop()}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  return { total, ranked: [...self].sort((a, b) => b[1] - a[1]) };
}
const fault = { name: 'drop-none', faults: [{ type: 'drop-messages', rate: 0 }] };
const rows = [];
for (const [label, scenario] of [['first switch, to the message fault', fault], ['back to passthrough', 'passthrough'], ['to the message fault again', fault]]) {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await chaos.use(scenario, { apply: 'all' });
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const { total, ranked } = byFunction(profile);
  rows.push({ label, perConnection: Math.round(total / opened.open), ranked });
}
client.send('stop');
upstream.kill();
await chaos.close();
console.log(`switch with apply: all on ${opened.open} open WebSockets (${dist}): bytes allocated per connection (V8 sampling heap profiler, 512 B interval)`);
for (const { label, perConnection } of rows) console.log(`  ${label.padEnd(36)} ${String(perConnection).padStart(6)} B`);
console.log(`\nfirst switch, by function (B per connection):`);
for (const [name, bytes] of rows[0].ranked.slice(0, top)) console.log(`  ${String(Math.round(bytes / opened.open)).padStart(6)}  ${name}`);
process.exit(0);
