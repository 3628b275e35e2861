// The bench's load client, in its own process, driven by argv and IPC. Modes (argv[2]):
//   rtt URL N WARMUP          → {p50, p99, mean} (ms) of N 32-byte echo round trips on one connection
//   stream URL SECONDS SIZE   → {bytes, seconds}: SIZE-byte binary messages to URL/sink, one way,
//                               at most 4 MiB in flight (ws bufferedAmount), bytes counted by the server
//   idle URL N                → opens N WebSockets (200 at a time), reports {ms, open}, holds them
//                               until the parent sends "stop"
//   connect URL N             → opens and closes N WebSockets one after another: {times} (ms from
//                               connect to open each: TCP, TLS for wss://, the upgrade)
// On failure it reports {error, open} over IPC and exits 1.
import WebSocket from 'ws';

const [mode, url, a, b] = process.argv.slice(2);
const CONCURRENCY = 200;
const IN_FLIGHT = 4 * 1024 * 1024;

const open = (u) =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(u, { perMessageDeflate: false });
    ws.once('open', () => {
      ws.removeListener('error', reject);
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('error', reject);
  });
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
let opened = 0;
const closeAndExit = (ws) => {
  ws.once('close', () => process.exit(0));
  ws.close();
  setTimeout(() => process.exit(0), 1_000).unref();
};

async function rtt() {
  const ws = await open(url);
  const payload = Buffer.alloc(32, 7);
  let done = null;
  ws.on('message', () => done());
  const once = () =>
    new Promise((resolve) => {
      const t = process.hrtime.bigint();
      done = () => resolve(Number(process.hrtime.bigint() - t) / 1e6);
      ws.send(payload);
    });
  for (let i = 0; i < Number(b); i++) await once();
  const times = new Float64Array(Number(a));
  for (let i = 0; i < times.length; i++) times[i] = await once();
  times.sort();
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  process.send({ p50: percentile(times, 0.5), p99: percentile(times, 0.99), mean });
  closeAndExit(ws);
}

async function stream() {
  const ws = await open(url + '/sink');
  const message = Buffer.alloc(Number(b), 1);
  const started = performance.now();
  const until = started + Number(a) * 1000;
  await new Promise((resolve) => {
    const pump = () => {
      // Backpressure: never more than IN_FLIGHT bytes queued in ws and the socket.
      while (ws.bufferedAmount < IN_FLIGHT && performance.now() < until) ws.send(message);
      if (performance.now() >= until) return resolve();
      setImmediate(pump);
    };
    pump();
  });
  // Everything sent is counted once the server has read it: the text "count" travels behind the
  // data on the same connection, so its answer covers every byte.
  while (ws.bufferedAmount > 0) await new Promise((r) => setTimeout(r, 2));
  const bytes = await new Promise((resolve) => {
    ws.once('message', (data) => resolve(Number(String(data))));
    ws.send('count');
  });
  process.send({ bytes, seconds: (performance.now() - started) / 1000 });
  closeAndExit(ws);
}

async function idle() {
  const n = Number(a);
  const sockets = [];
  process.on('message', (m) => {
    if (m !== 'stop') return;
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  });
  const started = performance.now();
  for (let i = 0; i < n; i += CONCURRENCY) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, n - i) }, () =>
        open(url).then((ws) => {
          opened++;
          return ws;
        }),
      ),
    );
    sockets.push(...batch);
  }
  process.send({ ms: performance.now() - started, open: sockets.length });
}

async function connect() {
  const times = [];
  for (let i = 0; i < Number(a); i++) {
    const started = process.hrtime.bigint();
    const ws = await open(url);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    ws.terminate();
  }
  process.send({ times });
  process.exit(0);
}

try {
  await { rtt, stream, idle, connect }[mode]();
} catch (error) {
  const message = error?.code ? `${error.code} ${error.message}` : String(error?.message ?? error);
  process.send({ error: message, open: opened }, () => process.exit(1));
}
