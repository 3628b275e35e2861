// The smallest Node programs that forward a WebSocket: a TCP listener whose every connection is
// piped both ways to the upstream, bytes untouched (the upgrade request and the 101 pass through
// as bytes too). No HTTP parsing, no frames: the floor of what any Node proxy pays per hop, for
// issue #13 target 4 (echo round trip) and target 3 (CPU per GB), measured in the same run.
//   default    both directions `pipe()`d (Readable → Writable, a fresh 64 KiB buffer per read)
//   --onread   the bare `onread` pipe: each socket reads into a buffer of its own and the read
//              is written as it is when the other socket has nothing queued (a write that stays
//              queued keeps that buffer; the next read gets a new one); pause on backpressure.
//              The same read path as wsfault's pass-through (src/transport/owned-reads.ts),
//              without anything else. The accepted socket gets `onread` by wrapping its handle
//              in a new net.Socket (the server pauses it on connect, so nothing was read yet).
// argv: UPSTREAM_PORT [PORT] [--onread]; reports {port} over IPC and prints "listening PORT" once accepting.
import net from 'node:net';
import { join, reads } from './onread-pipe.mjs';

const args = process.argv.slice(2).filter((a) => a !== '--onread');
const onread = process.argv.includes('--onread');
const upstreamPort = Number(args[0]);

const dial = (reads) => net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true, ...(reads ? { onread: reads } : {}) });

const server = net.createServer({ noDelay: true, pauseOnConnect: onread }, (accepted) => {
  if (!onread) {
    const upstream = dial();
    accepted.pipe(upstream).on('error', () => accepted.destroy());
    upstream.pipe(accepted).on('error', () => upstream.destroy());
    accepted.on('error', () => upstream.destroy());
    upstream.on('error', () => accepted.destroy());
    return;
  }
  const handle = accepted._handle;
  accepted._handle = null; // the handle now belongs to the socket below
  let client = null;
  let upstream = null;
  client = new net.Socket({ handle, allowHalfOpen: false, onread: reads(() => upstream, () => client) });
  client.setNoDelay(true);
  upstream = dial(reads(() => client, () => upstream));
  client.resume();
  join(client, upstream);
});
server.listen({ host: '127.0.0.1', port: Number(args[1] ?? 0) }, () => {
  const { port } = server.address();
  process.send?.({ port });
  process.stdout.write(`listening ${port}\n`);
});
process.on('disconnect', () => process.exit(0));
