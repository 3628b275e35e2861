import net from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ownedReadStats, ownsReads, ownWrappedReads, privateHolders } from '../../src/transport/owned-reads.js';
import { closeAll, startTcpServer } from '../helpers/servers.js';
import { startTlsWsfault, stopTlsApps, testCaPem } from '../helpers/tls.js';
import { until } from '../helpers/wait.js';
import { frameHeader, MIB, REQUEST, RESPONSE, seededBytes, sendFrame, sha, slowSink } from '../helpers/bulk.js';

afterEach(async () => {
  await stopTlsApps();
  await closeAll();
});

/** The largest TLS record's plaintext: Node hands the decrypted stream over one record at a time. */
const RECORD = 16 * 1024;
/** `bytes` seeded random bytes for this file. */
const randomBytes = (bytes: number, name: string) => seededBytes(bytes, 14, 'tls-owned-reads', name);

/**
 * `mib` MiB of seeded bytes each way over wss:// through wsfault with `scenario`, past slow
 * readers on both ends; resolves once both have arrived. `serverHold`, called when the upstream
 * accepts, holds the upstream's reader after its first MiB until it returns true (slowSink).
 */
async function bulkEachWay(scenario: string | object, mib: number, names: [string, string], serverHold?: () => () => boolean) {
  const up = randomBytes(mib * MIB, names[0]);
  const down = randomBytes(mib * MIB, names[1]);
  let serverSink: ReturnType<typeof slowSink> | null = null;
  let serverSent: Promise<void> | null = null;
  const upstream = await startTcpServer((socket) => {
    serverSink = slowSink(socket, REQUEST.length + frameHeader(up.length, true).length, up.length, serverHold?.());
    socket.write(RESPONSE);
    serverSent = sendFrame(socket, down, false);
    socket.on('end', () => socket.end());
  });
  const w = await startTlsWsfault(`ws://127.0.0.1:${upstream.port}`, scenario);
  const client = tls.connect({ host: '127.0.0.1', port: w.port, servername: 'localhost', ca: testCaPem() });
  const clientSink = slowSink(client, RESPONSE.length + frameHeader(down.length, false).length, down.length);
  await new Promise((resolve) => client.once('secureConnect', resolve));
  client.write(REQUEST);
  await until(() => serverSent !== null, 'the upgrade to reach the upstream');
  await Promise.all([sendFrame(client, up, true), serverSent]);
  await until(() => clientSink.bytes >= down.length && serverSink!.bytes >= up.length, 'both streams to arrive', 120_000);
  /**
   * The client leaves; both of the proxy's sockets close and give their buffers back. A socket
   * gives its buffer back at its own 'close', which for a TLS socket under a client link may come
   * after the connection is gone: awaited, so a buffer never given back still fails the test.
   */
  const leave = async () => {
    client.destroy();
    const running = w.app.proxies.get('default')!;
    await until(() => running.proxy.connections.size === 0, 'the connection to close');
    await until(() => privateHolders() === 0, 'every private read buffer to be given back');
  };
  return { up, down, clientSink, serverSink: serverSink!, leave };
}

describe('wss:// reads into owned buffers', () => {
  it('32 MiB each way arrive byte-exact past slow readers; the decrypted records are forwarded without a copy', async () => {
    const before = { ...ownedReadStats };
    // The upstream's reader is held until a write toward it was left queued and its read buffer
    // lent (or, if that never happens, for 20 s: the assertion below then says so instead of the
    // test timing out).
    const lentOr20s = () => {
      const ends = Date.now() + 20_000;
      return () => ownedReadStats.lent > before.lent || Date.now() > ends;
    };
    const { up, down, clientSink, serverSink, leave } = await bulkEachWay('passthrough', 32, ['up', 'down'], lentOr20s);
    expect(clientSink.bytes).toBe(down.length);
    expect(serverSink.bytes).toBe(up.length);
    expect(clientSink.digest()).toBe(sha(down));
    expect(serverSink.digest()).toBe(sha(up));
    // Client to upstream is at least 2 048 records of 16 KiB; most went to the upstream as views
    // of a private buffer (the first ones are copied until the stream counts as bulk), and the
    // slow upstream left some writes queued: buffers were lent, and none was read into again.
    expect(ownedReadStats.borrowed - before.borrowed).toBeGreaterThan(up.length / RECORD / 2);
    expect(ownedReadStats.lent - before.lent).toBeGreaterThan(0);
    await leave();
  }, 180_000);

  // The same over a client link (latency 0: the link borrows the TLS socket's reads) and in
  // parsed mode (the pipeline keeps copies of what it holds): views of decrypted records pass
  // through both, and a slow reader on either side must still get every byte.
  for (const [mode, scenario] of [
    ['a client link (latency 0)', { name: 'lat0', faults: [{ type: 'latency', delay: 0 }] }],
    ['parsed frames', { name: 'parse', faults: [{ type: 'drop-messages', rate: 0 }] }],
  ] as const) {
    it(`through ${mode}: 16 MiB each way arrive byte-exact past slow readers`, async () => {
      const { up, down, clientSink, serverSink, leave } = await bulkEachWay(scenario, 16, [`up-${scenario.name}`, `down-${scenario.name}`]);
      expect(clientSink.digest()).toBe(sha(down));
      expect(serverSink.digest()).toBe(sha(up));
      await leave();
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
