// How much memory one huge message costs the proxy under each message fault (issue #12 point 6).
// Not part of `npm test`.
//
//   npm run build && node bench/message-memory.mjs          256 MiB, every fault, both directions
//   options: --size 64MiB   --only drop-messages,corrupt-messages   --directions upstream
//            --max-message-buffer 16MiB   (passed to the proxy as limits.maxMessageBuffer)
//            --fragments 1MiB   (send the message as fragments of this size: a fault that needs the
//                                payload then collects up to the buffer before it lets the rest pass)
//
// Each case runs wsfault in its own child process (from a snapshot of dist/), so its peak RSS
// belongs to that case alone. The parent holds the upstream ws server and the ws client (both
// with a 1 GiB maxPayload) on 127.0.0.1. Per case: open one WebSocket through the proxy, warm the
// path with small marker messages, read the child's RSS (the baseline), send one binary message
// of --size in the measured direction followed by three 20-byte markers, wait for a marker and
// then for 500 ms without a byte arriving, and read the child's peak RSS (VmHWM from
// /proc/self/status). Delta = peak − baseline.
import { fork } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const MiB = 1024 * 1024;
const MARKER = 20;

// --- the proxy child ------------------------------------------------------------------------------
if (process.argv[2] === '--proxy') {
  const { dist, target, scenario, limits } = JSON.parse(process.argv[3]);
  const { startWsfault } = await import(pathToFileURL(join(dist, 'index.js')).href);
  // The message-buffer gauge exists once bounded buffering has landed; older builds have none.
  const gauge = await import(pathToFileURL(join(dist, 'proxy/buffer-gauge.js')).href).then((m) => m.messageBuffers, () => null);
  const chaos = await startWsfault({ target, scenario, seed: 1, api: false, limits });
  const memory = () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    // VmHWM, not process.resourceUsage().maxRSS: Linux carries ru_maxrss over fork and exec, so a
    // child's maxRSS starts at its parent's peak (here: the parent's 256 MiB message and more).
    return { rss: kib('VmRSS'), hwm: kib('VmHWM'), heldPeak: gauge?.peak ?? null };
  };
  process.on('message', (m) => {
    if (m === 'memory') process.send({ memory: memory() });
    if (m === 'stop') void chaos.close().then(() => process.exit(0));
  });
  process.send({ url: chaos.url });
} else {
  await main();
}

// --- the parent -----------------------------------------------------------------------------------
async function main() {
  const argv = process.argv.slice(2);
  const option = (name) => {
    const i = argv.findIndex((a) => a === name || a.startsWith(name + '='));
    if (i < 0) return undefined;
    return argv[i].includes('=') ? argv[i].slice(name.length + 1) : argv[i + 1];
  };
  const size = parseSize(option('--size') ?? '256MiB');
  const only = option('--only')?.split(',');
  const directions = option('--directions')?.split(',') ?? ['upstream', 'downstream'];
  const maxBuffer = option('--max-message-buffer');
  const limits = maxBuffer ? { maxMessageBuffer: parseSize(maxBuffer) } : {};
  const fragments = option('--fragments') ? parseSize(option('--fragments')) : 0;

  if (!existsSync(join(root, 'dist/index.js'))) {
    console.error('dist/index.js is missing: run `npm run build` first');
    process.exit(2);
  }
  // A snapshot of dist/, so a concurrent `npm run build` cannot change the code under test.
  const tmp = mkdtempSync(join(os.tmpdir(), 'wsfault-msgmem-'));
  cpSync(join(root, 'dist'), join(tmp, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(tmp, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'));
  symlinkSync(join(root, 'scenarios'), join(tmp, 'scenarios'));
  const dist = join(tmp, 'dist');

  const cases = [
    { label: 'passthrough (no fault)', faults: () => [] },
    { label: 'drop-messages rate 0', faults: (d) => [{ type: 'drop-messages', rate: 0, direction: d }] },
    { label: 'drop-messages rate 1, kinds binary', faults: (d) => [{ type: 'drop-messages', rate: 1, kinds: ['binary'], direction: d }], marker: 'text' },
    { label: 'drop-messages contains', faults: (d) => [{ type: 'drop-messages', contains: 'needle', direction: d }] },
    { label: 'delay-messages 50ms', faults: (d) => [{ type: 'delay-messages', delay: '50ms', direction: d }] },
    { label: 'duplicate-messages rate 1', faults: (d) => [{ type: 'duplicate-messages', rate: 1, direction: d }] },
    { label: 'reorder-messages rate 1', faults: (d) => [{ type: 'reorder-messages', rate: 1, window: 2, direction: d }] },
    { label: 'corrupt-messages bitflip', faults: (d) => [{ type: 'corrupt-messages', mode: 'bitflip', direction: d }] },
    { label: 'corrupt-messages truncate', faults: (d) => [{ type: 'corrupt-messages', mode: 'truncate', direction: d }] },
    { label: 'fragment-messages 64KiB', faults: (d) => [{ type: 'fragment-messages', size: '64KiB', direction: d }] },
    { label: 'drop-heartbeats', faults: (d) => [{ type: 'drop-heartbeats', direction: d }] },
    { label: 'close-frame after 1h', faults: () => [{ type: 'close-frame', after: '1h' }] },
    { label: 'inject-messages', faults: () => [{ type: 'inject-messages', text: 'hi', to: 'server' }] },
  ].filter((c) => !only || only.some((o) => c.label.startsWith(o)));

  const big = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4096) big[i] = i & 0xff;
  const server = await startUpstream(big, fragments);
  const rows = [];
  console.error(`message of ${size / MiB} MiB${fragments ? ` in ${fragments / 1024} KiB fragments` : ''}; ${cases.length} cases × ${directions.join(', ')}; limits ${JSON.stringify(limits)}`);
  try {
    for (const c of cases) {
      for (const direction of directions) {
        let row;
        try {
          row = await runCase(c, direction, { dist, server, big, limits, fragments });
        } catch (error) {
          console.error(`${c.label.padEnd(36)} ${direction.padEnd(10)} failed: ${error.message}`);
          continue;
        }
        rows.push(row);
        console.error(
          `${c.label.padEnd(36)} ${direction.padEnd(10)} baseline ${mib(row.baseline)}  peak ${mib(row.peak)}  +${mib(row.peak - row.baseline)} MiB  ` +
            `arrived ${row.arrived} (${row.intact} intact)${row.heldPeak !== null ? `  held peak ${mib(row.heldPeak)} MiB` : ''}  ${row.seconds.toFixed(1)} s`,
        );
      }
    }
  } finally {
    server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`\n| fault | direction | baseline RSS | peak RSS | delta | held at most | big messages arrived (intact) |`);
  console.log(`|---|---|---:|---:|---:|---:|---|`);
  for (const r of rows) {
    const held = r.heldPeak === null ? '–' : `${mib(r.heldPeak)} MiB`;
    console.log(`| ${r.label} | ${r.direction} | ${mib(r.baseline)} MiB | ${mib(r.peak)} MiB | +${mib(r.peak - r.baseline)} MiB | ${held} | ${r.arrived} (${r.intact}) |`);
  }
}

/** The upstream: counts what arrives; on `go:N:KIND` sends N big messages and three markers. */
async function startUpstream(big, fragments) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1024 * MiB, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const receiver = newReceiver(big);
  wss.on('connection', (ws) => {
    // Any byte counts as activity: a large message still in flight is not quiet.
    ws._socket.on('data', () => receiver.touch());
    ws.on('message', (data, isBinary) => {
      const text = !isBinary && data.length < 64 ? String(data) : '';
      if (text.startsWith('go:')) {
        const [, n, kind] = text.split(':');
        for (let i = 0; i < Number(n); i++) sendBig(ws, big, fragments);
        sendMarkers(ws, kind);
        return;
      }
      receiver.take(data);
    });
  });
  return { url: `ws://127.0.0.1:${wss.address().port}`, receiver, close: () => wss.close() };
}

function sendBig(ws, big, fragments) {
  if (!fragments) return ws.send(big, { binary: true });
  for (let at = 0; at < big.length; at += fragments) ws.send(big.subarray(at, at + fragments), { binary: true, fin: at + fragments >= big.length });
}

function sendMarkers(ws, kind) {
  for (let i = 0; i < 3; i++) ws.send(kind === 'text' ? 'm'.repeat(MARKER) : Buffer.alloc(MARKER, i), { binary: kind !== 'text' });
}

/** Counts big messages (and whether they are intact) and resolves `marker` at the first marker. */
function newReceiver(big) {
  const r = {
    arrived: 0,
    intact: 0,
    last: 0,
    marker: null,
    reset() {
      r.arrived = r.intact = 0;
      let resolve;
      r.marker = new Promise((res) => (resolve = res));
      r.resolveMarker = resolve;
    },
    touch() {
      r.last = performance.now();
    },
    take(data) {
      r.last = performance.now();
      if (data.length < 8) return; // an injected message
      if (data.length < 1024) return r.resolveMarker(); // a marker (truncate halves it)
      r.arrived++;
      if (data.length === big.length && data.equals(big)) r.intact++;
    },
  };
  r.reset();
  return r;
}

async function runCase(c, direction, { dist, server, big, limits, fragments }) {
  const started = performance.now();
  const scenario = { name: 'memory', faults: c.faults(direction) };
  const child = fork(fileURLToPath(import.meta.url), ['--proxy', JSON.stringify({ dist, target: server.url, scenario, limits })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = () =>
    new Promise((resolve) => {
      const on = (m) => m.memory && (child.off('message', on), resolve(m.memory));
      child.on('message', on);
      child.send('memory');
    });
  const { url } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`proxy child exited with ${code}`)));
  });
  const ws = new WebSocket(url, { maxPayload: 1024 * MiB, perMessageDeflate: false });
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const receiver = direction === 'upstream' ? server.receiver : newReceiver(big);
  if (direction === 'downstream') {
    ws.on('message', (data) => receiver.take(data));
    ws._socket.on('data', () => receiver.touch());
  }
  const send = async (n) => {
    receiver.reset();
    if (direction === 'upstream') {
      for (let i = 0; i < n; i++) sendBig(ws, big, fragments);
      sendMarkers(ws, c.marker);
    } else {
      ws.send(`go:${n}:${c.marker ?? 'binary'}`);
    }
    await withTimeout(receiver.marker, 120_000, `${c.label} ${direction}: no marker arrived`);
    // Whatever a fault still holds (a reordered or delayed message) arrives within the quiet time.
    while (performance.now() - receiver.last < 500) await sleep(100);
  };
  try {
    await send(0);
    await send(0);
    const baseline = (await ask()).rss;
    await send(1);
    const after = await ask();
    return { label: c.label, direction, baseline, peak: after.hwm, heldPeak: after.heldPeak, arrived: receiver.arrived, intact: receiver.intact, seconds: (performance.now() - started) / 1000 };
  } finally {
    ws.terminate();
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

function parseSize(text) {
  const m = /^(\d+)(KiB|MiB|GiB)?$/.exec(text);
  if (!m) throw new Error(`not a size: ${text}`);
  return Number(m[1]) * (m[2] ? { KiB: 1024, MiB, GiB: 1024 * MiB }[m[2]] : 1);
}

// Function declarations, not consts: main() runs from the top of the module, before a const here
// would be initialised.
function mib(bytes) {
  return (bytes / MiB).toFixed(0);
}
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
function withTimeout(promise, ms, what) {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(what)))]);
}
