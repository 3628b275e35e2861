import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFrame } from '../../src/protocol/frame-encode.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { delay, until } from '../helpers/wait.js';
import { closed, openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(async () => {
  await stopApps();
  await closeAll();
});

/** Sends n numbered messages one way (client → server) and returns what the server received. */
async function sendNumbered(url: string, echo: Awaited<ReturnType<typeof startWsEcho>>, n: number): Promise<number[]> {
  const got: number[] = [];
  echo.wss.on('connection', (socket) => {
    socket.removeAllListeners('message');
    socket.on('message', (data) => got.push(Number(String(data))));
  });
  const ws = await openClient(url);
  for (let i = 0; i < n; i++) ws.send(String(i));
  ws.send('-1'); // a marker that is never dropped (it is the last, and rate < 1 may drop it: wait by time instead)
  await delay(300);
  const stable = async () => {
    let last = -1;
    while (last !== got.length) {
      last = got.length;
      await delay(200);
    }
  };
  await stable();
  ws.close();
  return got.filter((x) => x >= 0);
}

describe('drop-messages', () => {
  it('rate 0.3 over 2 000 messages: dropped count inside the binomial 99.9 % interval, same seed same drops, order kept', async () => {
    const scenario = { name: 'drop30', faults: [{ type: 'drop-messages', rate: 0.3, direction: 'upstream' }] };
    const run = async () => {
      const echo = await startWsEcho();
      const { url } = await startWsfault(echo.url, scenario, 42);
      const got = await sendNumbered(url, echo, 2_000);
      await stopApps();
      await closeAll();
      return got;
    };
    const first = await run();
    const dropped = 2_000 - first.length;
    // n = 2000, p = 0.3: mean 600, sd 20.5; 99.9 % two-sided is ± 3.29 sd.
    expect(dropped).toBeGreaterThanOrEqual(533);
    expect(dropped).toBeLessThanOrEqual(667);
    expect([...first].sort((a, b) => a - b)).toEqual(first);
    expect(await run()).toEqual(first);
  }, 60_000);

  it('strips the permessage-deflate offer, with an event; compression: keep leaves it', async () => {
    const echo = await startWsEcho({ perMessageDeflate: true });
    const stripped = await startWsfault(echo.url, { name: 'strip', faults: [{ type: 'drop-messages', rate: 0 }] });
    const a = await openClient(stripped.url, undefined, { perMessageDeflate: true });
    expect(a.extensions).toBe('');
    expect(stripped.events.some((e) => e.type === 'fault.applied' && JSON.stringify(e.detail).includes('permessage-deflate'))).toBe(true);
    a.close();
    const kept = await startWsfault(echo.url, { name: 'keep', compression: 'keep', faults: [{ type: 'drop-messages', rate: 0 }] });
    const b = await openClient(kept.url, undefined, { perMessageDeflate: true });
    expect(b.extensions).toContain('permessage-deflate');
    expect((await roundTrip(b, 'compressed and parsed')).data.toString()).toBe('compressed and parsed');
    b.close();
  });
});

describe('other message faults', () => {
  it('fragment-messages size 10: 1 000-byte messages arrive intact', async () => {
    const echo = await startWsEcho();
    const frames: number[] = [];
    const { url } = await startWsfault(echo.url, { name: 'frag', faults: [{ type: 'fragment-messages', size: 10 }] });
    const ws = await openClient(url);
    // Count the frames the client really receives.
    (ws as unknown as { _socket: net.Socket })._socket.on('data', (d: Buffer) => frames.push(d.length));
    const message = Buffer.alloc(1_000);
    for (let i = 0; i < message.length; i++) message[i] = i & 0xff;
    for (let i = 0; i < 5; i++) expect((await roundTrip(ws, message)).data.equals(message)).toBe(true);
    expect(frames.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5 * (100 * 2 + 1_000));
    ws.close();
  });

  it('inject-messages size 2MiB toward a client with maxPayload 1 MiB: Max payload size exceeded', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'big', faults: [{ type: 'inject-messages', size: '2MiB', after: '100ms' }] });
    const ws = new WebSocket(url, { maxPayload: 1024 * 1024 });
    const error = new Promise<string>((resolve) => ws.once('error', (e) => resolve(e.message)));
    const done = closed(ws);
    expect(await error).toBe('Max payload size exceeded');
    expect((await done).code).toBe(1006);
  });

  it('inject-messages text every 100ms, 3 in all', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'inj', faults: [{ type: 'inject-messages', text: 'surprise', every: '100ms', count: 3 }] });
    // The first one comes with the open: listen from the start.
    const ws = new WebSocket(url);
    const got: string[] = [];
    ws.on('message', (d) => got.push(String(d)));
    await delay(600);
    expect(got).toEqual(['surprise', 'surprise', 'surprise']);
    ws.close();
  });

  it('corrupt-messages invalid-utf8 toward the client: ws fails with invalid UTF-8 sequence', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'utf8', faults: [{ type: 'corrupt-messages', mode: 'invalid-utf8', direction: 'downstream' }] });
    const ws = await openClient(url);
    const error = new Promise<string>((resolve) => ws.once('error', (e) => resolve(e.message)));
    const done = closed(ws);
    ws.send('hello');
    expect(await error).toBe('Invalid WebSocket frame: invalid UTF-8 sequence');
    expect((await done).code).toBe(1006);
  });

  it('duplicate-messages rate 1: every message arrives twice', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'dup', faults: [{ type: 'duplicate-messages', direction: 'downstream' }] });
    const ws = await openClient(url);
    const got: string[] = [];
    ws.on('message', (d) => got.push(String(d)));
    ws.send('a');
    ws.send('b');
    await until(() => got.length === 4, `four messages, got ${JSON.stringify(got)}`);
    expect(got).toEqual(['a', 'a', 'b', 'b']);
    ws.close();
  });

  it('delay-messages keeps order; reorder-messages lets messages overtake', async () => {
    const echo = await startWsEcho();
    const delayed = await startWsfault(echo.url, { name: 'late', faults: [{ type: 'delay-messages', delay: '200ms', direction: 'downstream' }] });
    const ws = await openClient(delayed.url);
    const started = performance.now();
    expect((await roundTrip(ws, 'late')).data.toString()).toBe('late');
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
    ws.close();
    const shuffled = await startWsfault(echo.url, { name: 'shuffle', faults: [{ type: 'reorder-messages', rate: 0.5, window: 4, direction: 'downstream' }] }, 3);
    const ws2 = await openClient(shuffled.url);
    const got: number[] = [];
    ws2.on('message', (d) => got.push(Number(String(d))));
    for (let i = 0; i < 100; i++) ws2.send(String(i));
    await until(() => got.length >= 97, 'most messages');
    await delay(200);
    expect(got).not.toEqual([...got].sort((a, b) => a - b));
    // Nothing lost except what is still held at the end (at most window - 1, for maxHold: 1 s).
    expect(new Set(got).size).toBe(got.length);
    expect(got.length).toBeGreaterThanOrEqual(97);
    ws2.close();
  });

  for (const reorder of [false, true]) {
    it(`delay-messages${reorder ? ' with reorder' : ''}: a Close sent at once waits for the held messages (late, never lost)`, async () => {
      const echo = await startWsEcho();
      const got: string[] = [];
      const closedWith = new Promise<{ code: number; after: number }>((resolve) =>
        echo.wss.on('connection', (socket) => {
          socket.removeAllListeners('message');
          socket.on('message', (data) => got.push(String(data)));
          socket.on('close', (code) => resolve({ code, after: got.length }));
        }),
      );
      const { url } = await startWsfault(echo.url, { name: 'late-close', faults: [{ type: 'delay-messages', delay: '150ms', jitter: reorder ? '100ms' : '0ms', reorder, direction: 'upstream' }] });
      const ws = await openClient(url);
      const clientClosed = closed(ws);
      for (let i = 0; i < 50; i++) ws.send(String(i));
      ws.close(1000, 'done');
      // The server saw every message before the Close, and the Close itself (not a dropped connection).
      expect(await closedWith).toEqual({ code: 1000, after: 50 });
      expect([...got].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
      if (!reorder) expect(got).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
      expect(await clientClosed).toMatchObject({ code: 1000 });
    });
  }

  it('reorder-messages: a held message with no later one still arrives after maxHold (late, not lost)', async () => {
    // Found by the client matrix (#18): with request/response traffic, or at the end of a burst,
    // a held message waited for later ones that never came, so "reorder" lost it.
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'hold', faults: [{ type: 'reorder-messages', rate: 1, window: 4, direction: 'downstream' }] });
    const ws = await openClient(url);
    const got: string[] = [];
    const at: number[] = [];
    ws.on('message', (d) => {
      got.push(String(d));
      at.push(performance.now());
    });
    const started = performance.now();
    ws.send('alone');
    await until(() => got.length === 1, 'the held message', 5_000);
    expect(got).toEqual(['alone']);
    expect(at[0]! - started).toBeGreaterThanOrEqual(990); // maxHold defaults to 1 s
    for (const m of ['a', 'b', 'c', 'd', 'e']) ws.send(m);
    await until(() => got.length === 6, `all five, got ${JSON.stringify(got)}`, 5_000);
    expect(got.slice(1).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    ws.close();
  });

  it('drop-heartbeats: a ws client using the heartbeat pattern from the ws README terminates', async () => {
    const echo = await startWsEcho();
    const { url } = await startWsfault(echo.url, { name: 'hb', faults: [{ type: 'drop-heartbeats', kinds: ['pong'] }] });
    const ws = await openClient(url);
    // The ws README's pattern: ping every interval; no pong since the last one → terminate.
    let isAlive = true;
    ws.on('pong', () => (isAlive = true));
    let terminated = false;
    const interval = setInterval(() => {
      if (!isAlive) {
        terminated = true;
        clearInterval(interval);
        return ws.terminate();
      }
      isAlive = false;
      ws.ping();
    }, 200);
    await closed(ws);
    expect(terminated).toBe(true);
  });

  it('regression: valid frames in the same chunk before a violation are still forwarded', async () => {
    const echo = await startWsEcho();
    const serverGot: string[] = [];
    echo.wss.on('connection', (socket) => socket.on('message', (d) => serverGot.push(String(d))));
    const { port } = await startWsfault(echo.url, { name: 'parse', faults: [{ type: 'drop-messages', rate: 0 }] });
    const raw = net.connect(port, '127.0.0.1');
    let answer = Buffer.alloc(0);
    raw.on('data', (d) => (answer = Buffer.concat([answer, d])));
    raw.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await until(() => answer.includes('\r\n\r\n'), 'the 101');
    const bad = encodeFrame(Opcode.Text, Buffer.from('x'), true);
    bad[0] = 0x83;
    raw.write(Buffer.concat([encodeFrame(Opcode.Text, Buffer.from('before the violation'), true), bad]));
    await until(() => serverGot.includes('before the violation'), 'the valid message to reach the server');
    raw.destroy();
  });

  it('a protocol violation closes only that connection with 1002; others are unaffected', async () => {
    const echo = await startWsEcho();
    const { port, url } = await startWsfault(echo.url, { name: 'parse', faults: [{ type: 'drop-messages', rate: 0 }] });
    const healthy = await openClient(url);
    const raw = net.connect(port, '127.0.0.1');
    let answer = Buffer.alloc(0);
    raw.on('data', (d) => (answer = Buffer.concat([answer, d])));
    raw.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    await until(() => answer.includes('\r\n\r\n'), 'the 101');
    // A masked frame with a reserved opcode (3).
    const bad = encodeFrame(Opcode.Text, Buffer.from('x'), true);
    bad[0] = 0x83;
    raw.write(bad);
    await until(() => answer.length > answer.indexOf('\r\n\r\n') + 4, 'a Close');
    const close = answer.subarray(answer.indexOf('\r\n\r\n') + 4);
    expect(close[0]).toBe(0x88);
    expect(close.readUInt16BE(2)).toBe(1002);
    expect((await roundTrip(healthy, 'unaffected')).data.toString()).toBe('unaffected');
    raw.destroy();
    healthy.close();
  });
});
