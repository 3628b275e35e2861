// Plain http-proxy with ws: true, the baseline "generic Node proxy" in the bench.
// argv: TARGET [PORT]; reports {port} over IPC and prints "listening PORT" once accepting.
import http from 'node:http';
import httpProxy from 'http-proxy';

const proxy = httpProxy.createProxyServer({ target: process.argv[2], ws: true });
proxy.on('error', (_error, _req, res) => {
  if (res && 'destroy' in res) res.destroy();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head));
server.listen({ host: '127.0.0.1', port: Number(process.argv[3] ?? 0) }, () => {
  const { port } = server.address();
  process.send?.({ port });
  process.stdout.write(`listening ${port}\n`);
});
process.on('disconnect', () => process.exit(0));
