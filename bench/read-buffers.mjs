// What reading into a buffer the proxy owns would save (issue #13 target 3's lead): three bare
// Node pipes (no HTTP, no frames) between a byte-counting sink and a client streaming 64 KiB
// writes one way, each pipe in its own process, rounds interleaved, proxy CPU per GB and MB/s:
//   pipe     both directions `pipe()`d: every read a fresh 64 KiB ArrayBuffer (Node's default)
//   onread   `onread` into one buffer per direction, each chunk copied before it is written
//   borrow   `onread` too, but the chunk is written as it is when the sink has nothing queued;
//            a write that leaves it queued keeps that buffer and the next read gets a new one
// The accepted socket gets `onread` by wrapping its handle in a new net.Socket (the server
// pauses it on connect, so nothing was read yet); Node offers the option only to sockets it makes.
//   node bench/read-buffers.mjs [--rounds 5] [--mb 256] [--variants pipe,onread,borrow]
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join, reads } from './onread-pipe.mjs';

const SIZE = 64 * 1024;

if (process.argv[2] === '--sink') {
  const sink = net.createServer((c) => {
    c.resume();
    c.on('end', () => c.end());
  });
  sink.listen(0, '127.0.0.1', () => process.send({ port: sink.address().port }));
  process.on('disconnect', () => process.exit(0));
} else if (process.argv[2] === '--proxy') {
  const [variant, upstreamPort] = [process.argv[3], Number(process.argv[4])];
  const dial = (onread) => net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true, ...(onread ? { onread } : {}) });
  const server = net.createServer({ noDelay: true, pauseOnConnect: variant !== 'pipe' }, (accepted) => {
    if (variant === 'pipe') {
      const upstream = dial();
      accepted.pipe(upstream);
      upstream.pipe(accepted);
      return join(accepted, upstream);
    }
    const copy = variant === 'onread';
    const handle = accepted._handle;
    accepted._handle = null; // the handle now belongs to the socket below
    let client = null;
    let upstream = null;
    client = new net.Socket({ handle, allowHalfOpen: false, onread: reads(() => upstream, () => client, copy) });
    upstream = dial(reads(() => client, () => upstream, copy));
    client.resume();
    join(client, upstream);
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('disconnect', () => process.exit(0));
} else {
  const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
  const rounds = Number(arg('--rounds', 5));
  const mb = Number(arg('--mb', 256));
  const variants = arg('--variants', 'pipe,onread,borrow').split(',');
  const self = new URL(import.meta.url).pathname;
  const message = (child) => new Promise((resolve) => child.once('message', resolve));
  const sink = fork(self, ['--sink']);
  const { port: upstreamPort } = await message(sink);
  const proxies = {};
  for (const v of variants) {
    const child = fork(self, ['--proxy', v, String(upstreamPort)]);
    proxies[v] = { child, port: (await message(child)).port, samples: [] };
  }
  const cpuSeconds = (pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  };
  const chunk = Buffer.alloc(SIZE, 7);
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      const { child, port, samples } = proxies[v];
      const socket = net.connect({ port, host: '127.0.0.1' });
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.resume();
      const c0 = cpuSeconds(child.pid);
      const t0 = performance.now();
      for (let i = 0; i < (mb * 1024 * 1024) / SIZE; i++) if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
      socket.end();
      await new Promise((resolve) => socket.once('close', resolve));
      samples.push({ cpuPerGB: (cpuSeconds(child.pid) - c0) / (mb / 1024), mbs: mb / ((performance.now() - t0) / 1000) });
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[(a.length - 1) >> 1];
  for (const v of variants) {
    const { samples } = proxies[v];
    console.log(`${v.padEnd(7)} CPU ${median(samples.map((s) => s.cpuPerGB)).toFixed(2)} s/GB (${samples.map((s) => s.cpuPerGB.toFixed(2)).join(' ')}), ${median(samples.map((s) => s.mbs)).toFixed(0)} MB/s`);
  }
  process.exit(0);
}
