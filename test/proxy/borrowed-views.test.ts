import net, { type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHeader } from '../../src/protocol/frame-encode.js';
import { FrameParser } from '../../src/protocol/frame-parser.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { streamFor } from '../../src/scenario/prng.js';
import { ownedReadStats, privateHolders } from '../../src/transport/owned-reads.js';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startTcpServer } from '../helpers/servers.js';
import { delay, until } from '../helpers/wait.js';
import { MIB, REQUEST, RESPONSE, send, sha, slowSink } from '../helpers/bulk.js';

afterEach(async () => {
  await stopApps();
  await closeAll();
});

const SIZES = [65536, 65536, 65536, 65535, 65537, 70_000, 200_000, 1, 125, 126, 300, 4000, 16_384];

/**
 * About `total` bytes of frames as one peer sends them, from the seeded PRNG: binary messages of
 * sizes around a 64 KiB read (so headers fall anywhere in a read, and at its very end), some in
 * fragments, pings between. Masked frames carry their payload as it is (already "masked"): a
 * proxy that passes frames never unmasks them, so the bytes must arrive as sent.
 */
function frames(total: number, masked: boolean, name: string, pings = true): { bytes: Buffer; heads: [number, number][] } {
  const random = streamFor(13, 'borrowed-views', name);
  const byte = () => Math.floor(random() * 256);
  const parts: Buffer[] = [];
  /** Where each header starts and ends. */
  const heads: [number, number][] = [];
  let at = 0;
  const add = (head: Buffer, payload: Buffer) => {
    heads.push([at, at + head.length]);
    parts.push(head, payload);
    at += head.length + payload.length;
  };
  let bytes = 0;
  while (bytes < total) {
    const fragments = random() < 0.2 ? 2 + Math.floor(random() * 3) : 1;
    for (let f = 0; f < fragments; f++) {
      const length = SIZES[Math.floor(random() * SIZES.length)]!;
      const payload = Buffer.allocUnsafe(length);
      let i = 0;
      for (; i + 4 <= length; i += 4) payload.writeUInt32LE(Math.floor(random() * 4294967296), i);
      for (; i < length; i++) payload[i] = byte();
      const key = masked ? Buffer.from([byte(), byte(), byte(), byte()]) : null;
      const opcode = f === 0 ? Opcode.Binary : Opcode.Continuation;
      add(encodeHeader({ fin: f === fragments - 1, rsv: 0, opcode, length }, key), payload);
      bytes += length;
      if (pings && random() < 0.1) {
        const ping = Buffer.from([byte(), byte(), byte()]);
        add(encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Ping, length: ping.length }, masked ? Buffer.from([1, 2, 3, 4]) : null), ping);
      }
    }
  }
  return { bytes: Buffer.concat(parts), heads };
}

/**
 * Writes `bytes` in pieces of 24–60 KiB that end at a header's start, inside it or right after
 * it, a millisecond apart, so that the proxy's reads (each large enough for the fast path) end
 * there too: what a read leaves half-parsed must survive the next read into the same buffer.
 */
async function sendCut(socket: Socket, { bytes, heads }: ReturnType<typeof frames>, name: string): Promise<void> {
  const random = streamFor(13, 'borrowed-views cuts', name);
  let at = 0;
  let h = 0;
  while (at < bytes.length) {
    const want = at + 24 * 1024 + Math.floor(random() * 36 * 1024);
    while (h < heads.length && heads[h]![0] < want) h++;
    const [start, end] = heads[h] ?? [bytes.length, bytes.length];
    const to = Math.min(bytes.length, start + Math.floor(random() * (end - start + 1)));
    if (!socket.write(bytes.subarray(at, to))) await new Promise((resolve) => socket.once('drain', resolve));
    at = to;
    await delay(1);
  }
}

/** Title, scenario, and whether pings go between the messages (a held message lets them overtake it). */
const scenarios: [string, object, boolean?][] = [
  ['parsed frames (drop-messages rate 0)', { name: 'parsed', faults: [{ type: 'drop-messages', rate: 0 }] }],
  ['latency 0', { name: 'latency0', faults: [{ type: 'latency', delay: 0 }] }],
  ['latency 20 ms', { name: 'latency20', faults: [{ type: 'latency', delay: '20ms' }] }],
  ['delay-messages 5 ms (whole messages held)', { name: 'held', faults: [{ type: 'delay-messages', delay: '5ms' }] }, false],
  ['latency 0 and parsed frames', { name: 'both', faults: [{ type: 'latency', delay: 0 }, { type: 'drop-messages', rate: 0 }] }],
];

describe('views of read buffers through parsed frames and transport links', () => {
  for (const [title, scenario, pings = true] of scenarios) {
    it(`${title}: 24 MiB of varied frames each way arrive byte-exact past slow readers, the client's reads mostly as views`, async () => {
      const upFrames = frames(24 * MIB, true, `${title} up`, pings);
      const up = upFrames.bytes;
      const down = frames(24 * MIB, false, `${title} down`, pings).bytes;
      let serverSink: ReturnType<typeof slowSink> | null = null;
      let serverSent: Promise<void> | null = null;
      const upstream = await startTcpServer((socket) => {
        serverSink = slowSink(socket, REQUEST.length, up.length);
        socket.write(RESPONSE);
        serverSent = send(socket, down);
      });
      const { port, proxy } = await startWsfault(`ws://127.0.0.1:${upstream.port}`, scenario);
      const before = { ...ownedReadStats };

      const client = net.connect(port, '127.0.0.1');
      const clientSink = slowSink(client, RESPONSE.length, down.length);
      await new Promise((resolve) => client.once('connect', resolve));
      client.write(REQUEST);
      await until(() => serverSent !== null, 'the upgrade to reach the upstream');
      await Promise.all([sendCut(client, upFrames, title), serverSent]);
      await until(() => clientSink.bytes >= down.length && serverSink!.bytes >= up.length, 'both streams to arrive', 120_000);

      expect(clientSink.bytes).toBe(down.length);
      expect(serverSink!.bytes).toBe(up.length);
      expect(clientSink.digest()).toBe(sha(down));
      expect(serverSink!.digest()).toBe(sha(up));
      // The fast path was taken: reads went on as views (the client sends ≥ 400 reads of 24–60 KiB).
      expect(ownedReadStats.borrowed - before.borrowed).toBeGreaterThan(50);
      // A RST passes on as a RST: both of the proxy's sockets close and give their buffers back.
      client.resetAndDestroy();
      await until(() => proxy.connections.size === 0, 'the connection to close');
      expect(privateHolders()).toBe(0);
    }, 180_000);
  }

  it('fragment-messages re-frames messages as they stream: payloads arrive intact, unmasked with the key their header brought', async () => {
    // The input masking key is read from a frame's header and used for the frame's whole payload,
    // which spans later reads into the same buffer.
    const sent = frames(16 * MIB, true, 'reframe up');
    const received: Buffer[] = [];
    let total = 0;
    const upstream = await startTcpServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        total += chunk.length;
      });
      socket.write(RESPONSE);
    });
    const { port, proxy } = await startWsfault(`ws://127.0.0.1:${upstream.port}`, { name: 'reframe', faults: [{ type: 'fragment-messages', size: 20_000 }] });
    const before = { ...ownedReadStats };
    const client = net.connect(port, '127.0.0.1');
    client.resume();
    await new Promise((resolve) => client.once('connect', resolve));
    client.write(REQUEST);
    await until(() => total >= REQUEST.length, 'the upgrade to reach the upstream');
    await sendCut(client, sent, 'reframe');
    const payloadOf = (bytes: Buffer) => {
      const all = new FrameParser({ expectMasked: true }).push(bytes).filter((f) => f.opcode < 8);
      return { bytes: Buffer.concat(all.map((f) => f.payload)), frames: all.length };
    };
    const expected = payloadOf(sent.bytes);
    // Every data byte passed once: re-framing adds only headers (2–14 bytes per 20 000).
    await until(() => total - REQUEST.length >= expected.bytes.length, 'the payloads to arrive', 120_000);
    await until(() => payloadOf(Buffer.concat(received).subarray(REQUEST.length)).bytes.length === expected.bytes.length, 'the last frame', 10_000);
    const got = payloadOf(Buffer.concat(received).subarray(REQUEST.length));
    expect(got.frames).toBeGreaterThan(expected.frames);
    expect(sha(got.bytes)).toBe(sha(expected.bytes));
    expect(ownedReadStats.borrowed - before.borrowed).toBeGreaterThan(50);
    client.resetAndDestroy();
    await until(() => proxy.connections.size === 0, 'the connection to close');
  }, 180_000);
});
