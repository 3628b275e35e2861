// Issue #13 target 2: what one idle pass-through WebSocket costs the proxy, by heap snapshot.
// For each build (dist/ of this tree, and EXTRA_DIST=DIR,DIR to compare), rounds interleaved: a
// fresh `wsfault --api off` process, a heap snapshot (SIGUSR2, --heapsnapshot-signal) and VmRSS
// before any connection, N WebSockets opened 200 at a time by bench/client.mjs idle, then RSS and
// a second snapshot 1 s later. Reported per build: RSS before / after / per connection, and the
// heap snapshot's growth per connection by constructor (self sizes; a snapshot is taken after a
// full GC, so it counts what is retained).
//   node bench/idle-heap.mjs [--connections 2000] [--rounds 3] [--no-snapshot] [--top 25]
//   WSFAULT_NODE_ARGS='--max-semi-space-size=1' node bench/idle-heap.mjs --no-snapshot
//   node bench/idle-heap.mjs --connections 9900 --no-snapshot --later 10,30   (RSS again later)
//   SIGNAL_AFTER=SIGWINCH [SIGNAL_WAIT=ms] with WSFAULT_NODE_ARGS='--import hook.mjs': a signal for a hook of
//   yours in the proxy (process.memoryUsage(), v8.getHeapSpaceStatistics()) once the connections are open
//   KEEP_SNAPSHOTS=/tmp/snaps node bench/idle-heap.mjs --rounds 1    (keeps the .heapsnapshot files)
import { fork } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, listening, message, node, rssKiB, wait } from './processes.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const connections = Number(arg('--connections', 2000));
const rounds = Number(arg('--rounds', 3));
const snapshots = !argv.includes('--no-snapshot');
const top = Number(arg('--top', 25));
const laterAt = arg('--later', '').split(',').filter(Boolean).map(Number);
const nodeArgs = process.env.WSFAULT_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
const builds = [join(root, 'dist'), ...(process.env.EXTRA_DIST ? process.env.EXTRA_DIST.split(',') : [])];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => os.loadavg()[0];

/** Sends SIGUSR2 and waits until the snapshot file stops growing; returns {constructor: {count, bytes}}. */
async function snapshot(proxy, dir) {
  const before = new Set(readdirSync(dir));
  proxy.kill('SIGUSR2');
  let file = null;
  let size = -1;
  for (;;) {
    await wait(300);
    file ??= readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f)) ?? null;
    if (!file) continue;
    const now = statSync(join(dir, file)).size;
    if (now === size && now > 0) break;
    size = now;
  }
  // The file may still be written in one last burst: parse until it is whole JSON.
  let snap;
  for (let tries = 0; ; tries++) {
    try {
      snap = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      break;
    } catch (error) {
      if (tries > 20) throw error;
      await wait(500);
    }
  }
  if (process.env.KEEP_SNAPSHOTS) cpSync(join(dir, file), join(process.env.KEEP_SNAPSHOTS, `${Date.now()}.heapsnapshot`));
  rmSync(join(dir, file));
  const { node_fields: fields, node_types: [types] } = snap.snapshot.meta;
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const byName = {};
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const name = type === 'object' || type === 'closure' || type === 'native' ? `${type === 'closure' ? 'ƒ ' : ''}${snap.strings[snap.nodes[i + nameAt]]}` : `(${type})`;
    const entry = (byName[name] ??= { count: 0, bytes: 0 });
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt];
  }
  return byName;
}

const upstream = fork(join(root, 'bench/upstream.mjs'), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const { port: upstreamPort } = await message(upstream);
const results = Object.fromEntries(builds.map((b) => [b, []]));
for (let round = 0; round < rounds; round++) {
  for (const dist of builds) {
    const dir = mkdtempSync(join(os.tmpdir(), 'wsfault-heap-'));
    const port = await freePort();
    const proxy = node([...nodeArgs, ...(snapshots ? ['--heapsnapshot-signal=SIGUSR2'] : []), join(dist, 'cli/main.js'), '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir });
    await listening(proxy, [port]);
    await wait(500);
    const rssBefore = rssKiB(proxy.pid);
    const heapBefore = snapshots ? await snapshot(proxy, dir) : null;
    const load0 = load();
    const client = node([join(root, 'bench/client.mjs'), 'idle', `ws://127.0.0.1:${port}`, String(connections)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const opened = await message(client);
    if (opened.error) throw new Error(`client: ${opened.error} after ${opened.open}`);
    await wait(1000);
    const rssAfter = rssKiB(proxy.pid);
    // --later 10,30: RSS again that many seconds after the burst (does V8 give memory back once idle? On Node 20 it did not).
    const later = {};
    for (const s of laterAt) {
      await wait(s * 1000 - 1000 - Object.keys(later).reduce((t, k) => Math.max(t, Number(k) * 1000 - 1000), 0));
      later[s] = rssKiB(proxy.pid);
    }
    if (process.env.SIGNAL_AFTER) (proxy.kill(process.env.SIGNAL_AFTER), await wait(Number(process.env.SIGNAL_WAIT ?? 500)));
    const heapAfter = snapshots ? await snapshot(proxy, dir) : null;
    const r = { rssBefore, rssAfter, perConnKiB: (rssAfter - rssBefore) / opened.open, openMs: opened.ms, load: Math.max(load0, load()), later, heap: null };
    if (snapshots) {
      r.heap = {};
      for (const [name, a] of Object.entries(heapAfter)) {
        const b = heapBefore[name] ?? { count: 0, bytes: 0 };
        r.heap[name] = { count: (a.count - b.count) / opened.open, bytes: (a.bytes - b.bytes) / opened.open };
      }
    }
    results[dist].push(r);
    console.error(`round ${round + 1} ${dist}: RSS ${(rssBefore / 1024).toFixed(1)} → ${(rssAfter / 1024).toFixed(1)} MiB, ${r.perConnKiB.toFixed(2)} KiB/conn${laterAt.map((t) => `, ${t} s: ${(later[t] / 1024).toFixed(1)} MiB`).join('')}, open ${opened.ms.toFixed(0)} ms, load ${r.load.toFixed(2)}`);
    client.send('stop');
    proxy.kill('SIGKILL');
    await wait(500);
    rmSync(dir, { recursive: true, force: true });
  }
}
upstream.kill();
console.log(`${connections} idle WebSockets, ${rounds} interleaved round(s), node args: ${nodeArgs.join(' ') || '(none)'}`);
for (const dist of builds) {
  const list = results[dist];
  console.log(`\n${dist}: RSS before ${(median(list.map((r) => r.rssBefore)) / 1024).toFixed(1)} MiB, after ${(median(list.map((r) => r.rssAfter)) / 1024).toFixed(1)} MiB, ${median(list.map((r) => r.perConnKiB)).toFixed(2)} KiB/conn (${list.map((r) => r.perConnKiB.toFixed(2)).join(' ')})${laterAt.map((t) => `; ${t} s after: ${(median(list.map((r) => r.later[t])) / 1024).toFixed(1)} MiB`).join('')}; load 1-min ${list.map((r) => r.load.toFixed(2)).join(' ')}`);
  if (!snapshots) continue;
  const names = Object.keys(list[0].heap);
  const rows = names.map((name) => ({ name, count: median(list.map((r) => r.heap[name]?.count ?? 0)), bytes: median(list.map((r) => r.heap[name]?.bytes ?? 0)) }));
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  console.log(`  heap growth per connection: ${(total / 1024).toFixed(2)} KiB (median per constructor, summed)`);
  for (const r of rows.sort((a, b) => b.bytes - a.bytes).slice(0, top)) console.log(`  ${r.bytes.toFixed(0).padStart(6)} B  ${r.count.toFixed(2).padStart(6)}×  ${r.name}`);
}
process.exit(0);
