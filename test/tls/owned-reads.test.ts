import { createHash } from 'node:crypto';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHeader } from '../../src/protocol/frame-encode.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { streamFor } from '../../src/scenario/prng.js';
import { ownedReadStats, ownsReads, ownWrappedReads, privateHolders } from '../../src/transport/owned-reads.js';
import { closeAll, startTcpServer } from '../helpers/servers.js';
import { startTlsWsfault, stopTlsApps, testCaPem } from '../helpers/tls.js';
import { until } from '../helpers/wait.js';

afterEach(async () => {
  await stopTlsApps();
  await closeAll();
});

const REQUEST = 'GET /bulk HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const RESPONSE = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const MIB = 1024 * 1024;
/** The largest TLS record's plaintext: Node hands the decrypted stream over one record at a time. */
const RECORD = 16 * 1024;

/** `bytes` seeded random bytes (the PRNG of src/scenario/prng.ts). */
function randomBytes(bytes: number, name: string): Buffer {
  const random = streamFor(14, 'tls-owned-reads', name);
  const out = Buffer.allocUnsafe(bytes);
  for (let at = 0; at < bytes; at += 4) out.writeUInt32LE(Math.floor(random() * 4294967296), at);
  return out;
}

/** One binary frame of `payload.length` bytes, sent as the header then the payload in 256 KiB writes. */
async function sendFrame(socket: Socket, payload: Buffer, masked: boolean): Promise<void> {
  const header = encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length: payload.length }, masked ? Buffer.from([1, 2, 3, 4]) : null);
  socket.write(header);
  for (let at = 0; at < payload.length; at += 256 * 1024) {
    if (!socket.write(payload.subarray(at, at + 256 * 1024))) await new Promise((resolve) => socket.once('drain', resolve));
  }
}

/**
 * A slow reader: hashes `length` bytes read after `skip` bytes and stops reading for 5 ms after
 * every MiB. With `holdUntil`, it stops after the first MiB until that is true: the socket
 * buffers between fill, so the proxy's writes toward it are left queued.
 */
function slowSink(socket: Socket, skip: number, length: number, holdUntil?: () => boolean) {
  const hash = createHash('sha256');
  let seen = 0;
  let sincePause = 0;
  let held = holdUntil === undefined;
  const sink = { bytes: 0, digest: () => hash.digest('hex') };
  socket.on('data', (chunk: Buffer) => {
    const from = Math.max(0, Math.min(chunk.length, skip - seen));
    const to = Math.max(from, Math.min(chunk.length, skip + length - seen));
    seen += chunk.length;
    if (from < to) {
      hash.update(chunk.subarray(from, to));
      sink.bytes += to - from;
    }
    sincePause += chunk.length;
    if (sincePause < MIB) return;
    sincePause = 0;
    socket.pause();
    if (held) {
      setTimeout(() => socket.resume(), 5);
      return;
    }
    held = true;
    const poll = setInterval(() => {
      if (!holdUntil!()) return;
      clearInterval(poll);
      socket.resume();
    }, 10);
  });
  return sink;
}

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('wss:// reads into owned buffers', () => {
  it('32 MiB each way arrive byte-exact past slow readers; the decrypted records are forwarded without a copy', async () => {
    const up = randomBytes(32 * MIB, 'up');
    const down = randomBytes(32 * MIB, 'down');
    const upHeader = encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length: up.length }, Buffer.from([1, 2, 3, 4]));
    const downHeader = encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length: down.length }, null);
    let serverSink: ReturnType<typeof slowSink> | null = null;
    let serverSent: Promise<void> | null = null;
    let lentBefore = Infinity;
    let holdEnds = Infinity;
    const upstream = await startTcpServer((socket) => {
      // Held until a write toward it was left queued and its read buffer lent (or, if that never
      // happens, for 20 s: the assertion below then says so instead of the test timing out).
      holdEnds = Date.now() + 20_000;
      serverSink = slowSink(socket, REQUEST.length + upHeader.length, up.length, () => ownedReadStats.lent > lentBefore || Date.now() > holdEnds);
      socket.write(RESPONSE);
      serverSent = sendFrame(socket, down, false);
      socket.on('end', () => socket.end());
    });
    const w = await startTlsWsfault(`ws://127.0.0.1:${upstream.port}`);
    const before = { ...ownedReadStats };
    lentBefore = before.lent;

    const client = tls.connect({ host: '127.0.0.1', port: w.port, servername: 'localhost', ca: testCaPem() });
    const clientSink = slowSink(client, RESPONSE.length + downHeader.length, down.length);
    await new Promise((resolve) => client.once('secureConnect', resolve));
    client.write(REQUEST);
    await until(() => serverSent !== null, 'the upgrade to reach the upstream');
    await Promise.all([sendFrame(client, up, true), serverSent]);
    await until(() => clientSink.bytes >= down.length && serverSink!.bytes >= up.length, 'both streams to arrive', 120_000);

    expect(clientSink.bytes).toBe(down.length);
    expect(serverSink!.bytes).toBe(up.length);
    expect(clientSink.digest()).toBe(sha(down));
    expect(serverSink!.digest()).toBe(sha(up));
    // Client to upstream is at least 2 048 records of 16 KiB; most went to the upstream as views
    // of a private buffer (the first ones are copied until the stream counts as bulk), and the
    // slow upstream left some writes queued: buffers were lent, and none was read into again.
    expect(ownedReadStats.borrowed - before.borrowed).toBeGreaterThan(up.length / RECORD / 2);
    expect(ownedReadStats.lent - before.lent).toBeGreaterThan(0);
    // The client leaves; both of the proxy's sockets close and give their buffers back.
    client.destroy();
    const running = w.app.proxies.get('default')!;
    await until(() => running.proxy.connections.size === 0, 'the connection to close');
    expect(privateHolders()).toBe(0);
  }, 180_000);

  // The same over a client link (latency 0: the link borrows the TLS socket's reads) and in
  // parsed mode (the pipeline keeps copies of what it holds): views of decrypted records pass
  // through both, and a slow reader on either side must still get every byte.
  for (const [mode, scenario] of [
    ['a client link (latency 0)', { name: 'lat0', faults: [{ type: 'latency', delay: 0 }] }],
    ['parsed frames', { name: 'parse', faults: [{ type: 'drop-messages', rate: 0 }] }],
  ] as const) {
    it(`through ${mode}: 16 MiB each way arrive byte-exact past slow readers`, async () => {
      const up = randomBytes(16 * MIB, `up-${scenario.name}`);
      const down = randomBytes(16 * MIB, `down-${scenario.name}`);
      const upHeader = encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length: up.length }, Buffer.from([1, 2, 3, 4]));
      const downHeader = encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length: down.length }, null);
      let serverSink: ReturnType<typeof slowSink> | null = null;
      let serverSent: Promise<void> | null = null;
      const upstream = await startTcpServer((socket) => {
        serverSink = slowSink(socket, REQUEST.length + upHeader.length, up.length);
        socket.write(RESPONSE);
        serverSent = sendFrame(socket, down, false);
        socket.on('end', () => socket.end());
      });
      const w = await startTlsWsfault(`ws://127.0.0.1:${upstream.port}`, scenario);
      const client = tls.connect({ host: '127.0.0.1', port: w.port, servername: 'localhost', ca: testCaPem() });
      const clientSink = slowSink(client, RESPONSE.length + downHeader.length, down.length);
      await new Promise((resolve) => client.once('secureConnect', resolve));
      client.write(REQUEST);
      await until(() => serverSent !== null, 'the upgrade to reach the upstream');
      await Promise.all([sendFrame(client, up, true), serverSent]);
      await until(() => clientSink.bytes >= down.length && serverSink!.bytes >= up.length, 'both streams to arrive', 120_000);
      expect(clientSink.digest()).toBe(sha(down));
      expect(serverSink!.digest()).toBe(sha(up));
      client.destroy();
      const running = w.app.proxies.get('default')!;
      await until(() => running.proxy.connections.size === 0, 'the connection to close');
      expect(privateHolders()).toBe(0);
    }, 180_000);
  }

  it('a client that resets in the middle of a bulk stream ends its connection only, and gives its buffer back', async () => {
    const upstream = await startTcpServer((socket) => {
      socket.write(RESPONSE);
      socket.resume();
      // Loopback turns the client's RST into an end of stream here; the proxy passes a FIN on.
      socket.on('end', () => socket.end());
      socket.on('error', () => {});
    });
    const w = await startTlsWsfault(`ws://127.0.0.1:${upstream.port}`);
    const running = w.app.proxies.get('default')!;
    for (let round = 0; round < 3; round++) {
      const raw = net.connect(w.port, '127.0.0.1');
      const client = tls.connect({ socket: raw, servername: 'localhost', ca: testCaPem() });
      client.on('error', () => {});
      await new Promise((resolve) => client.once('secureConnect', resolve));
      client.write(REQUEST);
      const payload = randomBytes(8 * MIB, `reset-${round}`);
      void sendFrame(client, payload, true).catch(() => {});
      await until(() => running.proxy.connections.size === 1 && upstream.sockets.size > 0, 'the connection through');
      // Mid-stream: the RST reaches the proxy while records are still being decrypted.
      await new Promise((resolve) => setTimeout(resolve, 20));
      raw.resetAndDestroy();
      await until(() => running.proxy.connections.size === 0, 'the connection to close');
    }
    expect(privateHolders()).toBe(0);
  });

  it('a TLS socket counts as not owned for a sink, and is adopted once only', async () => {
    let adopted: boolean[] = [];
    let secure: tls.TLSSocket | null = null;
    const context = tls.createSecureContext({});
    const server = net.createServer((raw) => {
      secure = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
      adopted = [ownWrappedReads(secure), ownWrappedReads(secure)];
      secure.on('error', () => {});
      secure.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.on('error', () => {});
    await until(() => secure !== null, 'the accept');
    expect(adopted).toEqual([true, false]);
    // Its writes always finish later, so a Pipe must copy into it rather than lend a buffer.
    expect(ownsReads(secure!)).toBe(false);
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
