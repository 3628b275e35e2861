import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startTcpServer, startWsEcho } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

// A real GC before each heap reading (vitest does not start Node with --expose-gc).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

afterEach(async () => {
  await stopApps();
  await closeAll();
});

/** One connect → echo → close cycle; resolves however the connection ends. */
function cycle(url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const done = () => resolve();
    ws.on('open', () => ws.send('x'));
    ws.on('message', () => ws.close());
    ws.on('error', () => {});
    ws.on('close', done);
    ws.on('unexpected-response', () => done());
  });
}

describe('churn with faults active', () => {
  it('2 000 connect/echo/close cycles (a fifth under each fault): sockets back to baseline, heap bounded, no uncaught exception', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const echo = await startWsEcho();
    const { url, proxy, app } = await startWsfault(echo.url, 'passthrough');
    const scenarios = [
      { name: 'lat', faults: [{ type: 'latency', delay: '1ms' }] },
      { name: 'rst', faults: [{ type: 'reset', after: '2ms' }] },
      { name: 'idle', faults: [{ type: 'idle-timeout', timeout: '5ms' }] },
      { name: 'cf', faults: [{ type: 'close-frame', code: 4000, after: '1ms' }] },
      { name: 'drop', faults: [{ type: 'drop-messages', rate: 0.5 }, { type: 'idle-timeout', timeout: '50ms' }] },
    ];
    const server = (proxy as unknown as { server: net.Server }).server;
    const count = () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    for (const scenario of scenarios) {
      const { loadScenarioObject } = await import('../../src/scenario/load.js');
      app.use('default', loadScenarioObject(scenario, 'churn'));
      for (let i = 0; i < 400; i += 20) await Promise.all(Array.from({ length: 20 }, () => cycle(url)));
    }
    await until(() => proxy.connections.size === 0, 'every connection gone', 10_000);
    expect(await count()).toBe(0);
    await until(() => echo.wss.clients.size === 0, 'the upstream to see them go', 10_000);
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    // After a full GC the heap is back near where it started: 2 000 leaked connections (a few
    // KiB each at the least) would exceed this bound. The clients live in this process too.
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
    console.info(`churn: heap after GC ${((heapAfter - heapBefore) / 1024 / 1024).toFixed(2)} MiB above the start`);
    process.off('uncaughtException', onUncaught);
    expect(uncaught).toEqual([]);
  }, 120_000);
});

describe('upstream misbehaviour', () => {
  it('an upstream that resets mid-message: the client gets 1006 and an upstream.error event is emitted', async () => {
    const upstream = await startTcpServer((socket) =>
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n');
        // Half of a 100-byte binary frame, then RST.
        socket.write(Buffer.concat([Buffer.from([0x82, 100]), Buffer.alloc(50)]));
        setTimeout(() => socket.resetAndDestroy(), 50);
      }),
    );
    const { port, events } = await startWsfault(`ws://127.0.0.1:${upstream.port}`);
    const raw = net.connect(port, '127.0.0.1');
    const error = new Promise<string>((resolve) => raw.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')));
    raw.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    expect(await error).toBe('ECONNRESET');
    await until(() => events.some((e) => e.type === 'upstream.error'), 'upstream.error');
  });
});
