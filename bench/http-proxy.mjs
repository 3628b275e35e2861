// Plain http-proxy with ws: true, the baseline "generic Node proxy" in the bench.
import http from 'node:http';
import httpProxy from 'http-proxy';

const proxy = httpProxy.createProxyServer({ target: process.argv[2], ws: true });
proxy.on('error', () => {});
const server = http.createServer((req, res) => proxy.web(req, res));
server.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head));
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
