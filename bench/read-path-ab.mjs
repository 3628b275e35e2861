// Two builds' read path side by side (issue #13 target 5): pass-through and parsed frames
// (`drop-messages, rate: 0`, as bench/run.mjs), 64 KiB binary messages one way for S seconds
// (bench/client.mjs to bench/upstream.mjs). The proxy runs in its own process from each build's
// unbundled dist/wsfault.js, so the owned-reads counters of that build are readable: per GB,
// reads copied / borrowed as views / lent to a write, and read/write syscalls (/proc/self/io),
// with the proxy's CPU per GB (user + system) and MB/s. Rounds interleaved (A B A B …), medians.
// The counters do not move with the load the way CPU and MB/s do.
//   BUILDS=base=/tmp/base-dist,new=dist node bench/read-path-ab.mjs [--rounds 5] [--seconds 3] [--scenarios pass,parse]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const msg = (child) => new Promise((r) => child.once('message', r));
const SCENARIOS = { pass: 'passthrough', parse: { name: 'bench-parse', faults: [{ type: 'drop-messages', rate: 0 }] } };

if (process.argv[2] === '--proxy') {
  // The proxy process: one build, one scenario; measures itself around the stream the parent runs.
  const [dist, scenario, target] = process.argv.slice(3);
  const { createWsfault } = await import(`${dist}/wsfault.js`);
  const { ownedReadStats } = await import(`${dist}/transport/owned-reads.js`);
  const port = await new Promise((r) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => r(port)); }); });
  const running = await createWsfault({ target, listen: `127.0.0.1:${port}`, scenario: SCENARIOS[scenario], api: false, seed: 1 });
  const io = () => Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((l) => l.split(': ')).map(([k, v]) => [k, Number(v)]));
  let start = null;
  process.on('message', async (m) => {
    if (m === 'start') start = { cpu: process.cpuUsage(), io: io(), reads: { ...ownedReadStats } };
    if (m === 'stop') {
      const cpu = process.cpuUsage(start.cpu);
      const now = io();
      const reads = Object.fromEntries(Object.entries(ownedReadStats).map(([k, v]) => [k, v - (start.reads[k] ?? 0)]));
      process.send({ user: cpu.user / 1e6, system: cpu.system / 1e6, syscr: now.syscr - start.io.syscr, syscw: now.syscw - start.io.syscw, ...reads });
      await running.stop(200);
      process.exit(0);
    }
  });
  process.send({ url: `ws://127.0.0.1:${port}` });
} else {
  const builds = (process.env.BUILDS ?? `current=${root}dist`).split(',').map((b) => b.split('='));
  const scenarios = arg('--scenarios', 'pass,parse').split(',');
  const rounds = Number(arg('--rounds', '5'));
  const seconds = arg('--seconds', '3');
  const up = fork(`${root}bench/upstream.mjs`, { stdio: 'ignore' });
  const { port: upstreamPort } = await msg(up);
  const results = {};
  for (let round = 0; round < rounds; round++) {
    for (const [name, dist] of builds) {
      for (const scenario of scenarios) {
        const proxy = fork(new URL(import.meta.url).pathname, ['--proxy', resolve(dist), scenario, `ws://127.0.0.1:${upstreamPort}`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        const { url } = await msg(proxy);
        // A moment for start-up work to settle, then the stream with the proxy's meters around it.
        await new Promise((r) => setTimeout(r, 500));
        proxy.send('start');
        const client = fork(`${root}bench/client.mjs`, ['stream', url, seconds, String(64 * 1024)], { stdio: 'ignore' });
        const stream = await msg(client);
        proxy.send('stop');
        const meters = await msg(proxy);
        await new Promise((r) => proxy.once('exit', r));
        const gb = stream.bytes / 2 ** 30;
        const row = { mbps: stream.bytes / 2 ** 20 / stream.seconds, cpu: (meters.user + meters.system) / gb, user: meters.user / gb, system: meters.system / gb, load: os.loadavg()[0] };
        for (const k of ['copied', 'borrowed', 'lent', 'privateGiven', 'syscr', 'syscw']) row[k] = meters[k] / gb;
        (results[`${name} ${scenario}`] ??= []).push(row);
        console.log(`${`${name} ${scenario}`.padEnd(16)} ${row.mbps.toFixed(0).padStart(4)} MB/s, CPU ${row.cpu.toFixed(2)} s/GB (user ${row.user.toFixed(2)}, sys ${row.system.toFixed(2)}), per GB: ${row.copied.toFixed(0)} copied, ${row.borrowed.toFixed(0)} borrowed, ${row.lent.toFixed(0)} lent reads, load ${row.load.toFixed(1)}`);
      }
    }
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  console.log('\nmedians:');
  for (const [name, rows] of Object.entries(results)) {
    const m = (k) => median(rows.map((r) => r[k]));
    console.log(`${name.padEnd(16)} CPU ${m('cpu').toFixed(2)} s/GB (${rows.map((r) => r.cpu.toFixed(2)).join(' ')}; user ${m('user').toFixed(2)}, sys ${m('system').toFixed(2)}), ${m('mbps').toFixed(0)} MB/s (${rows.map((r) => r.mbps.toFixed(0)).join(' ')}), per GB: ${m('copied').toFixed(0)} copied / ${m('borrowed').toFixed(0)} borrowed / ${m('lent').toFixed(0)} lent reads, ${m('privateGiven').toFixed(0)} grants, ${m('syscr').toFixed(0)} read + ${m('syscw').toFixed(0)} write syscalls; load ${m('load').toFixed(1)}`);
  }
  up.kill();
  process.exit(0);
}
