import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, freePort, startHttpServer, startProxy } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

afterEach(closeAll);

async function upstreamApp() {
  return startHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('no such page');
      }
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        let n = 0;
        const timer = setInterval(() => {
          res.write(`part ${n}\n`);
          if (++n === 5) {
            clearInterval(timer);
            res.end();
          }
        }, 5);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-host-seen': req.headers.host ?? '' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
}

describe('plain HTTP on the proxy port', () => {
  it('forwards GET and POST with bodies', async () => {
    const app = await upstreamApp();
    const { port } = await startProxy(`http://127.0.0.1:${app.port}`);
    const get = await fetch(`http://127.0.0.1:${port}/page?x=1`);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ method: 'GET', url: '/page?x=1', body: '' });
    const post = await fetch(`http://127.0.0.1:${port}/api`, { method: 'POST', body: 'a'.repeat(100_000) });
    expect(((await post.json()) as { body: string }).body).toHaveLength(100_000);
  });

  it('keeps the Host header by default and rewrites it with host-header target', async () => {
    const app = await upstreamApp();
    const kept = await startProxy(`http://127.0.0.1:${app.port}`);
    const rewritten = await startProxy(`http://127.0.0.1:${app.port}`, { hostHeader: 'target' });
    const a = await fetch(`http://127.0.0.1:${kept.port}/`);
    expect(a.headers.get('x-host-seen')).toBe(`127.0.0.1:${kept.port}`);
    const b = await fetch(`http://127.0.0.1:${rewritten.port}/`);
    expect(b.headers.get('x-host-seen')).toBe(`127.0.0.1:${app.port}`);
  });

  it('passes chunked responses through', async () => {
    const app = await upstreamApp();
    const { port } = await startProxy(`http://127.0.0.1:${app.port}`);
    const res = await fetch(`http://127.0.0.1:${port}/chunked`);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(await res.text()).toBe('part 0\npart 1\npart 2\npart 3\npart 4\n');
  });

  it('serves several requests on one keep-alive socket', async () => {
    const app = await upstreamApp();
    const { port, events } = await startProxy(`http://127.0.0.1:${app.port}`);
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    for (const path of ['/one', '/two', '/three']) {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await until(() => text.includes(`"url":"${path}"`), `the answer to ${path}`);
    }
    expect(text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
    socket.destroy();
    // All three went over one client connection.
    const conns = new Set(events.filter((e) => e.type === 'http.request').map((e) => (e as { conn: string }).conn));
    expect(conns.size).toBe(1);
  });

  it('keeps a 404 from upstream a 404', async () => {
    const app = await upstreamApp();
    const { port } = await startProxy(`http://127.0.0.1:${app.port}`);
    const res = await fetch(`http://127.0.0.1:${port}/missing`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('no such page');
  });

  it('answers 502 with the SPEC body when the upstream cannot be reached, and keeps serving', async () => {
    const dead = await freePort();
    const { port, events } = await startProxy(`http://127.0.0.1:${dead}`);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.status).toBe(502);
      expect((await res.text()).trim()).toBe(`wsfault: cannot reach upstream 127.0.0.1:${dead} (ECONNREFUSED)`);
    }
    expect(events.some((e) => e.type === 'upstream.error')).toBe(true);
  });
});
