// Two (or more) wsfault builds side by side: proxy CPU per GB, MB/s and the collections V8 ran
// (--trace-gc) during one 4 s stream of 64 KiB messages (bench/client.mjs to bench/upstream.mjs),
// on a fresh wsfault process per round after 1.5 s idle, rounds interleaved. For A/B of a change
// to the read path on a noisy machine (docs/PERFORMANCE.md, "Pass-through CPU").
//   BUILDS=before=/tmp/old/dist,after=dist node bench/gc-ab.mjs [rounds]
//   SCENARIOS=pass,lat0,parse   each build with each of these, interleaved (default: pass):
//     pass = passthrough, lat0 = `latency, delay: 0`, parse = `drop-messages, rate: 0` (as bench/run.mjs)
// Prints one line per stream and, at the end, the median CPU per GB and MB/s per build × scenario.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
const root = new URL('..', import.meta.url).pathname;
const builds = Object.fromEntries((process.env.BUILDS ?? `current=${root}dist`).split(',').map((b) => b.split('=')));
const msg = (c) => new Promise((r) => c.once('message', r));
const up = fork(`${root}bench/upstream.mjs`, { stdio: 'ignore' });
const { port: upstreamPort } = await msg(up);
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const SCENARIO_TEXT = {
  pass: null,
  lat0: 'name: bench-latency0\nfaults:\n  - { type: latency, delay: 0 }\n',
  parse: 'name: bench-parse\nfaults:\n  - { type: drop-messages, rate: 0 }\n',
};
const scenarios = (process.env.SCENARIOS ?? 'pass').split(',');
const dir = mkdtempSync(join(os.tmpdir(), 'wsfault-gc-ab-'));
const scenarioArgs = Object.fromEntries(
  scenarios.map((s) => {
    if (!(s in SCENARIO_TEXT)) throw new Error(`unknown scenario ${s}`);
    if (SCENARIO_TEXT[s] === null) return [s, []];
    writeFileSync(join(dir, `${s}.yaml`), SCENARIO_TEXT[s]);
    return [s, ['--scenario', join(dir, `${s}.yaml`)]];
  }),
);
const results = {};
for (let round = 0; round < Number(process.argv[2] ?? 3); round++) {
  for (const [build, dist] of Object.entries(builds)) for (const scenario of scenarios) {
    const name = scenarios.length > 1 ? `${build} ${scenario}` : build;
    const port = await freePort();
    const child = spawn(process.execPath, ['--trace-gc', `${dist}/cli/main.js`, '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn', ...scenarioArgs[scenario]], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    const before = out.length;
    const c0 = cpu(child.pid);
    const client = fork(`${root}bench/client.mjs`, ['stream', `ws://127.0.0.1:${port}`, '4', String(64 * 1024)], { stdio: 'ignore' });
    const result = await msg(client);
    const c1 = cpu(child.pid);
    const during = out.slice(before);
    const mc = (during.match(/Mark-Compact/g) ?? []).length;
    const sc = (during.match(/Scavenge/g) ?? []).length;
    const gb = result.bytes / 2 ** 30;
    const mbps = result.bytes / 2 ** 20 / result.seconds;
    const sPerGB = (c1 - c0) / gb;
    (results[name] ??= []).push({ mbps, sPerGB });
    console.log(`${name.padEnd(6)} ${mbps.toFixed(0)} MB/s, CPU ${sPerGB.toFixed(2)} s/GB, mark-compacts ${mc}, scavenges ${sc}, load ${os.loadavg()[0].toFixed(1)}`);
    child.kill();
    await new Promise((r) => setTimeout(r, 300));
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
console.log('\nmedians:');
for (const [name, rs] of Object.entries(results)) console.log(`${name.padEnd(16)} CPU ${median(rs.map((r) => r.sPerGB)).toFixed(2)} s/GB (${rs.map((r) => r.sPerGB.toFixed(2)).join(' ')}), ${median(rs.map((r) => r.mbps)).toFixed(0)} MB/s (${rs.map((r) => r.mbps.toFixed(0)).join(' ')})`);
up.kill();
process.exit(0);
