// The bench's load client, in its own process. Modes (argv[2]):
//   rtt URL N WARMUP          → {p50, p99} of N 32-byte echo round trips (ms)
//   stream URL SECONDS SIZE   → {bytes, seconds}: SIZE-byte binary messages to URL/sink, one way
//   idle URL N                → opens N WebSockets (200 at a time), reports {ms}, holds them until told
import WebSocket from 'ws';

const [mode, url, a, b] = process.argv.slice(2);
const open = (u) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(u, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

if (mode === 'rtt') {
  const ws = await open(url);
  const payload = Buffer.alloc(32, 7);
  const once = () =>
    new Promise((resolve) => {
      const t = process.hrtime.bigint();
      ws.once('message', () => resolve(Number(process.hrtime.bigint() - t) / 1e6));
      ws.send(payload);
    });
  for (let i = 0; i < Number(b); i++) await once();
  const times = [];
  for (let i = 0; i < Number(a); i++) times.push(await once());
  times.sort((x, y) => x - y);
  process.send({ p50: percentile(times, 0.5), p99: percentile(times, 0.99) });
  ws.close();
} else if (mode === 'stream') {
  const ws = await open(url + '/sink');
  const message = Buffer.alloc(Number(b), 1);
  const started = performance.now();
  const until = started + Number(a) * 1000;
  await new Promise((resolve) => {
    const pump = () => {
      while (ws.bufferedAmount < 4 * 1024 * 1024 && performance.now() < until) ws.send(message);
      if (performance.now() >= until) return resolve();
      setImmediate(pump);
    };
    pump();
  });
  // Everything sent is counted once the server has read it: ask after the send buffer drained.
  while (ws.bufferedAmount > 0) await new Promise((r) => setTimeout(r, 5));
  const bytes = await new Promise((resolve) => {
    ws.once('message', (data) => resolve(Number(String(data))));
    ws.send('count');
  });
  process.send({ bytes, seconds: (performance.now() - started) / 1000 });
  ws.close();
} else if (mode === 'idle') {
  const n = Number(a);
  const sockets = [];
  const started = performance.now();
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => open(url)));
    sockets.push(...batch);
  }
  process.send({ ms: performance.now() - started, open: sockets.length });
  process.on('message', () => {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  });
}
