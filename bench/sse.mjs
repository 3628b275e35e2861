// Issue #13 target 6, second half: does a GET /events (SSE) subscriber receiving ~10 000 events/s
// lower pass-through bulk? One wsfault (this tree's dist/, or --dist DIR; API on loopback) with a
// scenario whose only fault is `drop-messages rate: 1` matched to path /gen: a generator process
// sends 100 small messages every 10 ms on /gen, and each one dropped is a `fault.applied` event.
// Meanwhile bench/client.mjs streams 64 KiB messages one way to /sink (no fault: pass-through).
// Rounds interleave without and with a subscriber process reading /events; the generator runs in
// both, so the ratio is the subscriber's own cost. Reported: bulk MB/s and proxy CPU per GB each
// way (medians), the ratio, events/s the subscriber received, the proxy's CPU per second over 2 s
// with the generator alone (no bulk; the events' own cost, steadier than MB/s on a busy machine),
// and the 1-min load average.
//   node bench/sse.mjs [--rounds 5] [--seconds 3] [--rate 10000] [--dist DIR] [--json]
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { freePort, listening, message, node, ticks, wait } from './processes.mjs';

const role = process.argv[2];
if (role === 'generator') await generator(process.argv[3], Number(process.argv[4]));
else if (role === 'subscriber') await subscriber(process.argv[3]);
else await main();

/** Sends `rate` 16-byte messages a second, in batches every 10 ms, until told to stop. */
async function generator(url, rate) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const payload = Buffer.alloc(16, 7);
  const perTick = Math.max(1, Math.round(rate / 100));
  let next = performance.now();
  const tick = () => {
    // Catch up after a late timer, so the rate holds on average on a busy machine.
    while (performance.now() >= next) {
      for (let i = 0; i < perTick; i++) ws.send(payload);
      next += 10;
    }
    setTimeout(tick, Math.max(0, next - performance.now()));
  };
  tick();
  process.send({ ready: true });
  process.on('message', () => process.exit(0));
}

/** Reads /events and counts events; answers "count" with how many arrived since the last ask. */
async function subscriber(url) {
  let events = 0;
  let since = performance.now();
  http.get(url, (res) => {
    let tail = '';
    res.setEncoding('utf8');
    res.on('data', (text) => {
      const s = tail + text;
      let at = s.indexOf('\n\n');
      let from = 0;
      while (at >= 0) {
        if (s.startsWith('id:', from)) events++;
        from = at + 2;
        at = s.indexOf('\n\n', from);
      }
      tail = s.slice(from);
    });
    process.send({ ready: true });
  });
  process.on('message', (m) => {
    if (m !== 'count') return process.exit(0);
    const now = performance.now();
    process.send({ events, seconds: (now - since) / 1000 });
    events = 0;
    since = now;
  });
}

async function main() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const argv = process.argv.slice(2);
  const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
  const rounds = Number(arg('--rounds', 5));
  const seconds = Number(arg('--seconds', 3));
  const rate = Number(arg('--rate', 10_000));
  const dist = arg('--dist', join(root, 'dist'));
  const json = argv.includes('--json');
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
  const self = fileURLToPath(import.meta.url);
  // Whatever happens, no process of this run outlives it.
  const kids = new Set();
  const kid = (child) => (kids.add(child), child);
  process.on('exit', () => kids.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

  const dir = mkdtempSync(join(os.tmpdir(), 'wsfault-sse-'));
  const scenario = join(dir, 'gen.yaml');
  writeFileSync(scenario, 'name: sse-gen\nfaults:\n  - type: drop-messages\n    rate: 1\n    match: { path: /gen }\n');
  const upstream = kid(fork(join(root, 'bench/upstream.mjs'), { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  const { port: upstreamPort } = await message(upstream);
  const [port, apiPort] = [await freePort(), await freePort()];
  const proxy = kid(node([join(dist, 'cli/main.js'), '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', `127.0.0.1:${apiPort}`, '--log-level', 'warn', '--scenario', scenario], { stdio: ['ignore', 'ignore', 'inherit'] }));
  await listening(proxy, [port, apiPort]);
  const gen = kid(fork(self, ['generator', `ws://127.0.0.1:${port}/gen`, String(rate)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  await message(gen);

  const stream = async () => {
    const client = kid(node([join(root, 'bench/client.mjs'), 'stream', `ws://127.0.0.1:${port}`, String(seconds), String(64 * 1024)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
    const c0 = ticks(proxy.pid);
    const r = await message(client);
    if (r.error) throw new Error(`stream: ${r.error}`);
    const cpuS = (ticks(proxy.pid) - c0) / 100;
    return { mbps: r.bytes / r.seconds / 1e6, cpuPerGB: cpuS / (r.bytes / 1e9) };
  };
  await stream(); // warm-up: JIT, and the first stream's start
  const samples = { without: [], with: [] };
  const eventRates = [];
  const loads = [];
  for (let round = 0; round < rounds; round++) {
    for (const arm of round % 2 ? ['with', 'without'] : ['without', 'with']) {
      let sub = null;
      if (arm === 'with') {
        sub = kid(fork(self, ['subscriber', `http://127.0.0.1:${apiPort}/events`], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
        await message(sub);
        await wait(300);
        sub.send('count');
        await message(sub);
      }
      // The proxy's CPU with only the generator running (and the subscriber, in that arm): the events' own cost.
      const c0 = ticks(proxy.pid);
      await wait(2000);
      const eventsCpu = (ticks(proxy.pid) - c0) * 5; // 10 ms ticks over 2 s → ms per s
      const r = { ...(await stream()), eventsCpu };
      if (sub) {
        sub.send('count');
        const { events, seconds: s } = await message(sub);
        eventRates.push(events / s);
        sub.send('stop');
      }
      loads.push(os.loadavg()[0]);
      samples[arm].push(r);
      if (!json) console.error(`round ${round + 1} ${arm.padEnd(7)} subscriber: ${r.mbps.toFixed(0)} MB/s, ${r.cpuPerGB.toFixed(2)} s/GB, no bulk: ${r.eventsCpu} ms CPU/s${sub ? `, ${eventRates.at(-1).toFixed(0)} events/s` : ''}`);
      await wait(300);
    }
  }
  gen.send('stop');
  proxy.kill('SIGKILL');
  upstream.kill();
  const summary = (list) => ({ mbps: Math.round(median(list.map((s) => s.mbps))), cpuPerGB: Number(median(list.map((s) => s.cpuPerGB)).toFixed(2)), eventsCpuMsPerS: median(list.map((s) => s.eventsCpu)), range: [Math.round(Math.min(...list.map((s) => s.mbps))), Math.round(Math.max(...list.map((s) => s.mbps)))] });
  // The ratio of each round's pair (same moment, same load), then their median: steadier than a ratio of medians.
  const ratios = samples.with.map((w, i) => w.mbps / samples.without[i].mbps);
  const result = { rounds, seconds, rate, without: summary(samples.without), with: summary(samples.with), ratio: Number(median(ratios).toFixed(3)), ratios: ratios.map((r) => Number(r.toFixed(3))), eventsPerS: Math.round(median(eventRates)), load1: loads.map((l) => Number(l.toFixed(2))) };
  if (json) console.log(JSON.stringify(result));
  else {
    console.log(`pass-through bulk (64 KiB messages, ${seconds} s, ${rounds} interleaved rounds) while a generator makes ~${rate} events/s:`);
    console.log(`  without subscriber ${result.without.mbps} MB/s (${result.without.range.join('–')}), ${result.without.cpuPerGB} s/GB; events alone (no bulk) ${result.without.eventsCpuMsPerS} ms proxy CPU per s`);
    console.log(`  with subscriber    ${result.with.mbps} MB/s (${result.with.range.join('–')}), ${result.with.cpuPerGB} s/GB; events alone ${result.with.eventsCpuMsPerS} ms CPU per s; receiving ${result.eventsPerS} events/s`);
    console.log(`  ratio with/without ${result.ratio} (per round: ${result.ratios.join(' ')}); 1-min load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  }
  process.exit(0);
}
