// The smallest Node program that forwards a WebSocket: a TCP listener whose every connection is
// piped both ways to the upstream, bytes untouched (the upgrade request and the 101 pass through
// as bytes too). No HTTP parsing, no frames: the floor of what any Node proxy pays per hop, for
// issue #13 target 4 (echo round trip) and target 3 (CPU per GB), measured in the same run.
// argv: UPSTREAM_PORT [PORT]; reports {port} over IPC and prints "listening PORT" once accepting.
import net from 'node:net';

const upstreamPort = Number(process.argv[2]);
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
  client.pipe(upstream).on('error', () => client.destroy());
  upstream.pipe(client).on('error', () => upstream.destroy());
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen({ host: '127.0.0.1', port: Number(process.argv[3] ?? 0) }, () => {
  const { port } = server.address();
  process.send?.({ port });
  process.stdout.write(`listening ${port}\n`);
});
process.on('disconnect', () => process.exit(0));
