import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { WsfaultEvent } from '../../src/events/types.js';
import { startWsfault, type Wsfault } from '../../src/index.js';
import { FrameParser, type Frame } from '../../src/protocol/frame-parser.js';
import { messageBuffers } from '../../src/proxy/buffer-gauge.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

/**
 * Bounded memory for message faults (issue #12 point 6): what a fault can decide at the frame
 * header streams through unheld; what needs the payload is held up to the message buffer, and a
 * larger message passes unchanged with a `fault.skipped` event. Counted in bytes held, not timed.
 */
const MiB = 1024 * 1024;
const running: Wsfault[] = [];

beforeEach(() => {
  messageBuffers.peak = 0;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.close()));
  await closeAll();
});

async function proxy(target: string, faults: object[], maxMessageBuffer = MiB) {
  const chaos = await startWsfault({ target, scenario: { name: 'buffer', faults }, seed: 1, api: false, limits: { maxMessageBuffer } });
  running.push(chaos);
  const events: WsfaultEvent[] = [];
  chaos.on('*', (e) => events.push(e));
  return { chaos, events };
}

/** A payload whose every byte depends on its position, so any change or shift shows. */
function pattern(bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + (i >> 11)) & 0xff;
  return out;
}

const skippedEvents = (events: WsfaultEvent[]) => events.filter((e): e is WsfaultEvent<'fault.skipped'> => e.type === 'fault.skipped');

describe('message faults with a 1 MiB message buffer', () => {
  it('a 40 MiB message through drop-messages rate 0 arrives intact both ways and nothing is held', async () => {
    const echo = await startWsEcho();
    const { chaos } = await proxy(echo.url, [{ type: 'drop-messages', rate: 0 }]);
    const ws = await openClient(chaos.url, undefined, { maxPayload: 64 * MiB });
    const message = pattern(40 * MiB);
    const back = await roundTrip(ws, message);
    expect(back.data.equals(message)).toBe(true);
    // Decided at the header: the payload streamed through, no byte was collected.
    expect(messageBuffers.peak).toBeLessThanOrEqual(MiB);
    expect(messageBuffers.peak).toBe(0);
    ws.close();
  }, 60_000);

  it('corrupt-messages: a message above the buffer passes unchanged with fault.skipped; smaller ones are still corrupted', async () => {
    const echo = await startWsEcho();
    const { chaos, events } = await proxy(echo.url, [{ type: 'corrupt-messages', mode: 'bitflip', direction: 'upstream' }]);
    const ws = await openClient(chaos.url, undefined, { maxPayload: 64 * MiB });
    const big = pattern(4 * MiB);
    expect((await roundTrip(ws, big)).data.equals(big)).toBe(true);
    const [skipped, ...more] = skippedEvents(events);
    expect(more).toEqual([]);
    expect(skipped).toMatchObject({ fault: { name: 'corrupt-messages-1', type: 'corrupt-messages' }, reason: 'message-too-large', detail: { direction: 'upstream', bytes: 4 * MiB, limit: MiB } });
    expect(skipped!.conn).toMatch(/^c-\d+$/);
    // Below the buffer nothing changed: the fault still sees the whole message and flips a bit.
    const small = pattern(MiB);
    const back = (await roundTrip(ws, small)).data;
    expect(back.length).toBe(small.length);
    expect(back.equals(small)).toBe(false);
    expect(skippedEvents(events)).toHaveLength(1);
    expect(messageBuffers.peak).toBe(MiB);
    ws.close();
  }, 60_000);

  it('a fragmented message outgrowing the buffer: what was collected goes on, the rest streams; never more than the buffer held', async () => {
    const echo = await startWsEcho();
    const { chaos, events } = await proxy(echo.url, [{ type: 'corrupt-messages', mode: 'truncate', direction: 'upstream' }]);
    const ws = await openClient(chaos.url, undefined, { maxPayload: 64 * MiB });
    const whole = pattern(8 * 384 * 1024);
    const echoed = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
    // Eight 384 KiB fragments: two fit in 1 MiB, the third does not.
    for (let at = 0; at < whole.length; at += 384 * 1024) ws.send(whole.subarray(at, at + 384 * 1024), { binary: true, fin: at + 384 * 1024 >= whole.length });
    expect((await echoed).equals(whole)).toBe(true);
    expect(messageBuffers.peak).toBe(2 * 384 * 1024);
    expect(skippedEvents(events).map((e) => e.detail)).toEqual([{ direction: 'upstream', bytes: 3 * 384 * 1024, limit: MiB }]);
    ws.close();
  }, 60_000);

  it('duplicate-messages: a message above the buffer passes once (fault.skipped), a small one twice', async () => {
    const echo = await startWsEcho();
    const { chaos, events } = await proxy(echo.url, [{ type: 'duplicate-messages', direction: 'downstream' }]);
    const ws = await openClient(chaos.url, undefined, { maxPayload: 64 * MiB });
    const got: Buffer[] = [];
    ws.on('message', (data) => got.push(data as Buffer));
    const big = pattern(3 * MiB);
    ws.send(big);
    ws.send('small');
    await until(() => got.length >= 3, `three messages, got ${got.length}`);
    expect(got.map((m) => (m.length > 100 ? m.equals(big) : m.toString()))).toEqual([true, 'small', 'small']);
    expect(skippedEvents(events)).toHaveLength(1);
    ws.close();
  }, 60_000);

  it('fragment-messages re-frames a message above the buffer on the fly: 64 KiB frames, nothing held', async () => {
    const echo = await startWsEcho();
    const { chaos, events } = await proxy(echo.url, [{ type: 'fragment-messages', size: '64KiB', direction: 'downstream' }]);
    const ws = await openClient(chaos.url, undefined, { maxPayload: 64 * MiB });
    // The frames the client really receives (server→client frames are unmasked).
    const frames: Frame[] = [];
    const parser = new FrameParser({ expectMasked: false });
    (ws as unknown as { _socket: import('node:net').Socket })._socket.on('data', (d: Buffer) => frames.push(...parser.push(Buffer.from(d))));
    const big = pattern(5 * MiB);
    expect((await roundTrip(ws, big)).data.equals(big)).toBe(true);
    expect(frames).toHaveLength(80);
    expect(frames.every((f) => f.length === 64 * 1024)).toBe(true);
    expect(messageBuffers.peak).toBe(0);
    expect(skippedEvents(events)).toEqual([]);
    expect(events.some((e) => e.type === 'fault.applied' && JSON.stringify(e.detail) === '{"direction":"downstream","frames":80}')).toBe(true);
    ws.close();
  }, 60_000);

  it('a delayed message released while a large one streams waits for its end (no interleaved frames)', async () => {
    const echo = await startWsEcho({ maxPayload: 64 * MiB });
    const serverGot: (string | number)[] = [];
    echo.wss.on('connection', (socket) => socket.on('message', (data, isBinary) => serverGot.push(isBinary ? (data as Buffer).length : String(data))));
    // Text is delayed, binary is not this fault's business and streams through at once.
    const { chaos } = await proxy(echo.url, [{ type: 'delay-messages', delay: '5ms', kinds: ['text'], direction: 'upstream' }]);
    const ws = new WebSocket(chaos.url, { maxPayload: 64 * MiB });
    await new Promise((resolve) => ws.once('open', resolve));
    const closedWith: number[] = [];
    ws.on('close', (code) => closedWith.push(code));
    for (let i = 0; i < 5; i++) {
      ws.send(`text ${i}`);
      ws.send(pattern(8 * MiB));
    }
    await until(() => serverGot.length === 10 || closedWith.length > 0, `ten messages at the server, got ${JSON.stringify(serverGot)}`, 30_000);
    expect(serverGot.filter((m) => typeof m === 'string')).toEqual(['text 0', 'text 1', 'text 2', 'text 3', 'text 4']);
    expect(serverGot.filter((m) => typeof m === 'number')).toEqual(Array(5).fill(8 * MiB));
    expect(closedWith).toEqual([]);
    ws.close();
  }, 60_000);

  it('a Close the proxy sends while a large message streams lands after that frame, not inside it', async () => {
    const echo = await startWsEcho({ maxPayload: 64 * MiB });
    const { chaos } = await proxy(echo.url, [{ type: 'drop-messages', rate: 0, direction: 'downstream' }]);
    const ws = await openClient(chaos.url, undefined, { maxPayload: 64 * MiB });
    const errors: string[] = [];
    ws.on('error', (e) => errors.push(e.message));
    const got: number[] = [];
    ws.on('message', (data) => got.push((data as Buffer).length));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // Kill as soon as the echo starts arriving: the proxy is inside the 32 MiB frame toward the client.
    const socket = (ws as unknown as { _socket: import('node:net').Socket })._socket;
    socket.once('data', () => chaos.kill(chaos.connections()[0]!.id, { how: 'close-frame', code: 1001 }));
    ws.send(pattern(32 * MiB));
    expect(await closed).toBe(1001);
    expect(errors).toEqual([]);
    expect(got).toEqual([32 * MiB]);
  }, 60_000);
});
