// Two (or more) wsfault builds side by side: proxy CPU per GB, MB/s and the collections V8 ran
// (--trace-gc) during one 4 s stream of 64 KiB messages (bench/client.mjs to bench/upstream.mjs),
// on a fresh wsfault process per round after 1.5 s idle, rounds interleaved. For A/B of a change
// to the read path on a noisy machine (docs/PERFORMANCE.md, "Pass-through CPU").
//   BUILDS=before=/tmp/old/dist,after=dist node bench/gc-ab.mjs [rounds]
import { fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
const root = new URL('..', import.meta.url).pathname;
const builds = Object.fromEntries((process.env.BUILDS ?? `current=${root}dist`).split(',').map((b) => b.split('=')));
const msg = (c) => new Promise((r) => c.once('message', r));
const up = fork(`${root}bench/upstream.mjs`, { stdio: 'ignore' });
const { port: upstreamPort } = await msg(up);
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
for (let round = 0; round < Number(process.argv[2] ?? 3); round++) {
  for (const [name, dist] of Object.entries(builds)) {
    const port = await freePort();
    const child = spawn(process.execPath, ['--trace-gc', `${dist}/cli/main.js`, '--target', `ws://127.0.0.1:${upstreamPort}`, '--listen', `127.0.0.1:${port}`, '--api', 'off', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'ignore'] });
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
    console.log(`${name.padEnd(6)} ${(result.bytes / 2 ** 20 / result.seconds).toFixed(0)} MB/s, CPU ${((c1 - c0) / gb).toFixed(2)} s/GB, mark-compacts ${mc}, scavenges ${sc}`);
    child.kill();
    await new Promise((r) => setTimeout(r, 300));
  }
}
up.kill();
process.exit(0);
