import fc from 'fast-check';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { buildControlApi } from '../../src/control/api.js';
import { WsfaultError } from '../../src/errors.js';
import { encodeFrame } from '../../src/protocol/frame-encode.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startTcpServer, startWsEcho } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

describe('YAML and API bodies: a clear error, never a crash', () => {
  it('arbitrary YAML gives a scenario or a WsfaultError with problems', () => {
    const yamlish = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ name: fc.string(), faults: fc.array(fc.record({ type: fc.constantFrom('latency', 'status', 'close-frame', 'nope'), delay: fc.oneof(fc.string(), fc.integer()), code: fc.integer() })) }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(yamlish, (text) => {
        try {
          loadScenarioText(text, 'fuzz.yaml');
        } catch (error) {
          expect(error).toBeInstanceOf(WsfaultError);
          expect((error as WsfaultError).message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('regression: an unresolved YAML alias is a problem with a message, not a ReferenceError', () => {
    expect(() => loadScenarioText('name: x\nfaults: *missing\n', 'alias.yaml')).toThrow(expect.objectContaining({ code: 'WSFAULT_SCENARIO_INVALID', message: expect.stringMatching(/alias/i) }));
  });

  let wsfault: RunningWsfault;
  let app: App;
  beforeAll(async () => {
    wsfault = await createWsfault({ api: false });
    app = wsfault.app;
  });
  afterAll(async () => {
    await wsfault.stop(100);
  });

  it('arbitrary API bodies get 4xx with the error shape, never 500', async () => {
    const api = await buildControlApi(app);
    const routes = [
      ['PUT', '/proxies/default/scenario'],
      ['POST', '/proxies/default/faults'],
      ['POST', '/proxies'],
      ['PATCH', '/proxies/default'],
      ['PUT', '/scenarios/fuzzed'],
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.jsonValue(), async ([method, url], body) => {
        const response = await api.inject({ method, url, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
        expect(response.statusCode).toBeLessThan(500);
        if (response.statusCode >= 400) expect(response.json()).toHaveProperty('error.code');
      }),
      { numRuns: 300 },
    );
    await api.close();
    await app.use('default', app.library.get('passthrough'));
  });
});

describe('frames: arbitrary bytes close only that connection', () => {
  afterAll(async () => {
    await stopApps();
    await closeAll();
  });

  it('random bytes from a client after the 101, with frames parsed, never disturb another connection', async () => {
    const echo = await startWsEcho();
    // A close timeout no test waits out: each garbage connection must go because its client left
    // (the proxy answers its FIN), not because the proxy gave up waiting for a Close echo.
    const { port, url, proxy } = await startWsfault(echo.url, { name: 'parse', faults: [{ type: 'drop-messages', rate: 0 }] }, 1, { closeTimeoutMs: 600_000 });
    const healthy = await openClient(url);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), async (bytes) => {
        const raw = net.connect(port, '127.0.0.1');
        raw.on('error', () => {});
        let answer = Buffer.alloc(0);
        raw.on('data', (d) => (answer = Buffer.concat([answer, d])));
        raw.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
        await until(() => answer.includes('\r\n\r\n'), 'the 101');
        // A valid masked frame first, then garbage.
        raw.write(Buffer.concat([encodeFrame(Opcode.Text, Buffer.from('ok'), true), Buffer.from(bytes)]));
        await new Promise((r) => setTimeout(r, 5));
        raw.destroy();
        expect((await roundTrip(healthy, 'still fine')).data.toString()).toBe('still fine');
      }),
      { numRuns: 60 },
    );
    await until(() => proxy.connections.size === 1, 'only the healthy connection left');
    healthy.close();
  }, 60_000);

  it('random bytes from the server after the 101 close only that connection', async () => {
    const echo = await startWsEcho();
    // Upgrades to /bad get a 101, one valid frame and random bytes; everything else is piped to the echo server.
    let garbage = Buffer.alloc(0);
    const upstream = await startTcpServer((socket) =>
      socket.once('data', (head) => {
        if (head.toString('latin1').startsWith('GET /bad')) {
          socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n');
          socket.write(Buffer.concat([encodeFrame(Opcode.Text, Buffer.from('ok'), false), garbage]));
          return;
        }
        const pipe = net.connect(echo.port, '127.0.0.1', () => pipe.write(head));
        pipe.on('error', () => socket.destroy());
        socket.pipe(pipe).pipe(socket);
      }),
    );
    const { port, url } = await startWsfault(`ws://127.0.0.1:${upstream.port}`, { name: 'parse', faults: [{ type: 'drop-messages', rate: 0 }] });
    const healthy = await openClient(url);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), async (bytes) => {
        garbage = Buffer.from(bytes);
        const raw = net.connect(port, '127.0.0.1');
        raw.on('error', () => {});
        raw.write('GET /bad HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
        await new Promise((r) => setTimeout(r, 10));
        raw.destroy();
        expect((await roundTrip(healthy, 'still fine')).data.toString()).toBe('still fine');
      }),
      { numRuns: 40 },
    );
    healthy.close();
  }, 60_000);
});
