import net, { type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHeader } from '../../src/protocol/frame-encode.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { ownAccepted, ownedReadStats, ownsReads, privateHolders } from '../../src/transport/owned-reads.js';
import { closeAll, startProxy, startTcpServer, startWsEcho } from '../helpers/servers.js';
import { delay, until } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';
import { frameHeader, MIB, REQUEST, RESPONSE, seededBytes, sendFrame, sha, slowSink } from '../helpers/bulk.js';

afterEach(closeAll);

/** `bytes` seeded random bytes for this file. */
const randomBytes = (bytes: number, name: string) => seededBytes(bytes, 13, 'owned-reads', name);

describe('owned read buffers', () => {
  it('the accepted and the dialled socket read into owned buffers, and 64 MiB each way arrive byte-exact past a slow sink, mostly without a copy', async () => {
    const up = randomBytes(64 * MIB, 'up');
    const down = randomBytes(64 * MIB, 'down');
    const upHeader = encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length: up.length }, Buffer.from([1, 2, 3, 4]));
    const downHeader = encodeHeader({ fin: true, rsv: 0, opcode: Opcode.Binary, length: down.length }, null);
    let serverSink: ReturnType<typeof slowSink> | null = null;
    let serverSent: Promise<void> | null = null;
    const upstream = await startTcpServer((socket) => {
      // The request head and the client's frame header come first: skip them in the hash.
      serverSink = slowSink(socket, REQUEST.length + upHeader.length, up.length);
      socket.write(RESPONSE);
      serverSent = sendFrame(socket, down, false);
    });
    const { proxy, port } = await startProxy(`ws://127.0.0.1:${upstream.port}`);
    const before = { ...ownedReadStats };

    const client = net.connect(port, '127.0.0.1');
    const clientSink = slowSink(client, RESPONSE.length + downHeader.length, down.length);
    await new Promise((resolve) => client.once('connect', resolve));
    client.write(REQUEST);
    await until(() => serverSent !== null, 'the upgrade to reach the upstream');
    await Promise.all([sendFrame(client, up, true), serverSent]);
    await until(() => clientSink.bytes >= down.length && serverSink!.bytes >= up.length, 'both streams to arrive', 120_000);

    expect(clientSink.bytes).toBe(down.length);
    expect(serverSink!.bytes).toBe(up.length);
    expect(clientSink.digest()).toBe(sha(down));
    expect(serverSink!.digest()).toBe(sha(up));

    const [connection] = proxy.connections.values();
    expect(ownsReads(connection!.socket)).toBe(true);
    expect(ownsReads(connection!.upstream!)).toBe(true);
    // The fast path carried most reads (each direction is 1 024 reads of 64 KiB at the least)
    // and some of them were left queued by the write: the lent-buffer case happened.
    const borrowed = ownedReadStats.borrowed - before.borrowed;
    const copied = ownedReadStats.copied - before.copied;
    expect(borrowed).toBeGreaterThan(copied);
    // A sink with bytes queued still takes views, and a 14-byte tail read keeps the buffer: a
    // copy is rare (1 in 12 reads when either gave the buffer back and copied until re-granted).
    expect(copied * 20).toBeLessThan(borrowed);
    expect(ownedReadStats.lent - before.lent).toBeGreaterThan(0);
    expect(ownedReadStats.privateGiven - before.privateGiven).toBeGreaterThan(0);
    // A RST passes on as a RST: both of the proxy's sockets close, and give their buffers back.
    client.resetAndDestroy();
    await until(() => proxy.connections.size === 0, 'the connection to close');
    expect(privateHolders()).toBe(0);
  }, 180_000);

  it('small messages stay on the shared buffer: no socket gets a private one, each read goes to the pipe as a copy', async () => {
    const echo = await startWsEcho();
    const { url } = await startProxy(echo.url);
    const before = { ...ownedReadStats };
    const ws = await openClient(url);
    for (let i = 0; i < 200; i++) expect((await roundTrip(ws, `message ${i}`)).data.toString()).toBe(`message ${i}`);
    ws.close();
    expect(ownedReadStats.privateGiven).toBe(before.privateGiven);
    expect(ownedReadStats.borrowed).toBe(before.borrowed);
    // 200 messages each way, each read copied: after the 101 straight to the pipe (no push, no 'data' event).
    expect(ownedReadStats.delivered - before.delivered).toBeGreaterThanOrEqual(400);
  });

  it('one small read between large ones keeps the private buffer; four in a row give it back', async () => {
    const rig = await upgradedRawClient();
    const { client } = rig;
    const received = () => rig.received;
    // One long frame; each write is awaited at the upstream, so no read holds two of them.
    let sent = 0;
    const write = async (bytes: Buffer) => {
      const target = received() + bytes.length;
      client.write(bytes);
      await until(() => received() === target, `${bytes.length} bytes at the upstream`);
    };
    const step = (length: number, name: string) => write(randomBytes(length + 3 - ((length + 3) % 4), `${name} ${sent++}`).subarray(0, length));
    await write(frameHeader(256 * MIB, true));
    for (let i = 0; i < 40 && privateHolders() === 0; i++) await step(64 * 1024, 'bulk');
    expect(privateHolders()).toBe(1);
    const before = { ...ownedReadStats };
    // A bulk stream of 64 KiB messages: a 64 KiB read, then the last 14 bytes of the message.
    for (let i = 0; i < 20; i++) {
      await step(64 * 1024, 'bulk');
      await step(14, 'tail');
    }
    await step(64 * 1024, 'bulk');
    expect(privateHolders()).toBe(1);
    expect(ownedReadStats.copied - before.copied).toBe(0);
    expect(ownedReadStats.borrowed - before.borrowed).toBeGreaterThanOrEqual(41);
    expect(ownedReadStats.privateGiven).toBe(before.privateGiven);
    // The stream turned interactive: the buffer goes back at the fourth small read in a row.
    for (let i = 0; i < 3; i++) await step(100, 'small');
    expect(privateHolders()).toBe(1);
    await step(100, 'small');
    expect(privateHolders()).toBe(0);
    client.destroy();
  });

  it('behind a queued sink only large reads are lent: a small read is copied, so lent buffers hold at most 4× the bytes queued', async () => {
    const rig = await upgradedRawClient();
    const { proxy, client } = rig;
    const upstreamSocket = rig.upstreamSocket!;
    const [connection] = proxy.connections.values();
    const accepted = connection!.socket;
    // Each write awaited where the proxy reads it, so no read holds two of them.
    let sent = 0;
    const send = async (bytes: Buffer) => {
      const target = accepted.bytesRead + bytes.length;
      client.write(bytes);
      await until(() => accepted.bytesRead === target, `${bytes.length} bytes read by the proxy`);
    };
    const write = (length: number) => send(randomBytes(length + 3 - ((length + 3) % 4), `lend ${sent++}`).subarray(0, length));
    await send(frameHeader(256 * MIB, true));
    for (let i = 0; i < 40 && privateHolders() === 0; i++) await write(64 * 1024);
    expect(privateHolders()).toBe(1);
    // The upstream stops reading: once the kernel's buffers are full, the proxy's writes queue.
    upstreamSocket.pause();
    for (let i = 0; i < 200 && connection!.upstream!.writableLength === 0; i++) await write(32 * 1024);
    expect(connection!.upstream!.writableLength).toBeGreaterThan(0);
    const before = { ...ownedReadStats };
    for (let i = 0; i < 20; i++) await write(2 * 1024);
    expect(ownedReadStats.lent - before.lent).toBe(0);
    expect(ownedReadStats.borrowed - before.borrowed).toBe(20);
    expect(privateHolders()).toBe(1);
    // Large reads behind the queue are still lent (views, no copy).
    await write(32 * 1024);
    expect(ownedReadStats.lent - before.lent).toBeGreaterThan(0);
    upstreamSocket.resume();
    client.destroy();
    expect(rig.received).toBeGreaterThan(0);
  });

  it('the new socket takes over the server bookkeeping and stays paused until resumed', async () => {
    let owned: Socket | null = null;
    const got: Buffer[] = [];
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (accepted) => {
      owned = ownAccepted(accepted, { noDelay: true });
      owned.on('data', (chunk: Buffer) => got.push(chunk));
      setTimeout(() => owned!.resume(), 100);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.write('hello');
    await until(() => owned !== null, 'the accept');
    expect(ownsReads(owned!)).toBe(true);
    // A 'data' listener alone does not start reading: the socket was paused on connect.
    await delay(50);
    expect(got).toEqual([]);
    await until(() => got.length > 0, 'the data after resume');
    expect(Buffer.concat(got).toString()).toBe('hello');
    const count = () => new Promise<number>((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n))));
    expect(await count()).toBe(1);
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    owned!.write('bye');
    client.end();
    owned!.end();
    // server.close() waits for the moved socket: it resolves only once that socket is gone.
    await closed;
    expect(await count()).toBe(0);
    client.destroy();
  });

  it('a socket that is not freshly accepted and paused is left as it is', async () => {
    const server = net.createServer((accepted) => {
      expect(ownAccepted(accepted, { noDelay: true })).toBe(accepted);
      expect(ownsReads(accepted)).toBe(false);
      accepted.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    client.resume();
    await new Promise((resolve) => client.once('end', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

/**
 * A raw TCP client upgraded through a proxy to a raw TCP upstream that answers 101 and counts what
 * it receives: the bytes each test writes reach the proxy as the test paces them.
 */
async function upgradedRawClient() {
  const rig = { received: 0, upstreamSocket: null as Socket | null };
  const upstream = await startTcpServer((socket) => {
    rig.upstreamSocket = socket;
    socket.on('data', (chunk: Buffer) => (rig.received += chunk.length));
    socket.write(RESPONSE);
  });
  const { proxy, port } = await startProxy(`ws://127.0.0.1:${upstream.port}`);
  const client = net.connect(port, '127.0.0.1');
  let answered = '';
  client.on('data', (chunk: Buffer) => (answered += chunk.toString('latin1')));
  await new Promise((resolve) => client.once('connect', resolve));
  client.write(REQUEST);
  await until(() => answered.includes('\r\n\r\n'), 'the 101');
  return Object.assign(rig, { proxy, client });
}
