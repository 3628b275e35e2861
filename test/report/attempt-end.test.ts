/**
 * An attempt ends, for the report, when the client's side of it closed: a client may already be
 * waiting to reconnect while the upstream side is still closing (`connection.close` comes only
 * once both have), and measuring its wait from there would make it look shorter than it was.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, type Wsfault } from '../../src/index.js';
import { acceptFor } from '../../src/protocol/accept-key.js';
import { until } from '../helpers/wait.js';

const running: Wsfault[] = [];
const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) server.close();
});

/** A WebSocket upstream that answers the upgrade, then holds back its FIN for `holdMs` after the proxy's. */
async function slowClosingUpstream(holdMs: number) {
  const fins: number[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1];
      if (head.includes('\r\n\r\n') && key) socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
    });
    socket.on('end', () =>
      setTimeout(() => {
        fins.push(Date.now());
        socket.end();
      }, holdMs),
    );
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`, fins };
}

describe('an attempt\'s end', () => {
  it('is when the client side closed, not when a slow upstream side closed after it', async () => {
    const upstream = await slowClosingUpstream(500);
    const chaos = await startWsfault({ target: upstream.url, seed: 1 });
    running.push(chaos);
    const ws = new WebSocket(chaos.url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const clientClosed = new Promise((resolve) => ws.once('close', resolve));
    // The proxy ends both sides with FIN: the client answers at once, the upstream 500 ms later.
    expect(chaos.kill('all', { how: 'fin' })).toBe(1);
    await clientClosed;
    await until(() => chaos.report().clients[0]?.attempts[0]?.end != null, 'the attempt to end', 10_000);
    const [attempt] = chaos.report().clients[0]!.attempts;
    expect(upstream.fins).toHaveLength(1);
    // Before the upstream even sent its FIN, the client's side had closed: that is the end.
    expect(attempt!.end).toBeLessThan(upstream.fins[0]!);
  });
});
