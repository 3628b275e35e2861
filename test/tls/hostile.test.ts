import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamFor } from '../../src/scenario/prng.js';
import { closeAll, startTcpServer, startWsEcho } from '../helpers/servers.js';
import { startTlsWsfault, stopTlsApps } from '../helpers/tls.js';
import { until } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

const HEAD_TIMEOUT = 600;
type Running = Awaited<ReturnType<typeof startTlsWsfault>>;
/** Default limits; `short` has a 600 ms head timeout for the stalling clients only (a busy machine may take longer for the rest). */
let w: Running;
let short: Running;
let hello: Buffer;

/** A real ClientHello (Node's, for `localhost`), caught by a server that never answers. */
async function captureHello(): Promise<Buffer> {
  let caught: (b: Buffer) => void;
  const got = new Promise<Buffer>((resolve) => (caught = resolve));
  const server = await startTcpServer((socket) => socket.once('data', (d) => caught(d)));
  const client = tls.connect({ host: '127.0.0.1', port: server.port, servername: 'localhost' });
  client.on('error', () => {});
  const bytes = await got;
  client.destroy();
  return bytes;
}

beforeAll(async () => {
  const echo = await startWsEcho();
  w = await startTlsWsfault(echo.url);
  short = await startTlsWsfault(echo.url, 'passthrough', { limits: { headTimeoutMs: HEAD_TIMEOUT } });
  hello = await captureHello();
});
afterAll(async () => {
  await stopTlsApps();
  await closeAll();
});

/** Sends `bytes` (one write, or one byte per write), optionally ends; resolves when the proxy closed the socket. */
function send(bytes: Buffer, options: { end?: boolean; byteByByte?: boolean; to?: Running } = {}): Promise<{ ms: number; answered: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect((options.to ?? w).port, '127.0.0.1');
    let answered = 0;
    const timer = setTimeout(() => reject(new Error('the proxy did not close the connection within 10 s')), 10_000);
    socket.on('data', (d) => (answered += d.length));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, answered });
    });
    if (options.byteByByte) {
      let i = 0;
      const next = () => {
        if (i < bytes.length) socket.write(bytes.subarray(i, ++i), () => setImmediate(next));
        else if (options.end) socket.end();
      };
      next();
    } else {
      socket.write(bytes);
      if (options.end) socket.end();
    }
  });
}

/** While a hostile connection is open, a healthy wss client still echoes. */
async function healthyEcho(): Promise<void> {
  const ws = await openClient(w.wss, undefined, { ca: w.ca });
  expect((await roundTrip(ws, 'still fine')).data.toString()).toBe('still fine');
  ws.close();
}

/** A ClientHello (TLS 1.2 form) whose SNI extension holds `name`, cut into records of at most 16 KiB. */
function helloWithSni(name: string): Buffer {
  const host = Buffer.from(name, 'latin1');
  const sniList = Buffer.concat([Buffer.from([0]), u16(host.length), host]);
  const sni = Buffer.concat([u16(0), u16(sniList.length + 2), u16(sniList.length), sniList]);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 7), Buffer.from([0]), u16(4), Buffer.from([0xc0, 0x2f, 0x13, 0x01]), Buffer.from([1, 0]), u16(sni.length), sni]);
  const message = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  const records: Buffer[] = [];
  for (let at = 0; at < message.length; at += 16_384) {
    const fragment = message.subarray(at, at + 16_384);
    records.push(Buffer.from([0x16, 3, 1]), u16(fragment.length), fragment);
  }
  return Buffer.concat(records);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

describe('hostile input on the TLS path: a clean close each, others unaffected', () => {
  it('a ClientHello written one byte at a time is read whole: the handshake completes', async () => {
    // A relay that hands the proxy every byte of the client's TLS stream in its own write.
    const relay = await startTcpServer((client) => {
      const proxy = net.connect(w.port, '127.0.0.1');
      let queue = Promise.resolve();
      client.on('data', (chunk) => {
        for (const byte of chunk) queue = queue.then(() => new Promise<void>((r) => proxy.write(Buffer.from([byte]), () => setImmediate(r))));
      });
      proxy.pipe(client);
      client.on('error', () => proxy.destroy());
      proxy.on('error', () => client.destroy());
    });
    const before = w.events.length;
    const ws = await openClient(`wss://localhost:${relay.port}`, undefined, { ca: w.ca });
    expect((await roundTrip(ws, 'byte by byte')).data.toString()).toBe('byte by byte');
    ws.close();
    expect(w.events.slice(before).find((e) => e.type === 'tls.handshake')).toMatchObject({ sni: 'localhost' });
  }, 30_000);

  it('a truncated ClientHello, then FIN: closed at once, a tls.error (protocol)', async () => {
    const before = w.events.length;
    const out = await send(hello.subarray(0, Math.floor(hello.length / 2)), { end: true });
    expect(out.answered).toBe(0);
    await until(() => w.events.slice(before).some((e) => e.type === 'tls.error'), 'tls.error');
    expect(w.events.slice(before).find((e) => e.type === 'tls.error')).toMatchObject({ cause: 'protocol', detail: expect.stringMatching(/inside its ClientHello/) });
    await healthyEcho();
  });

  it('a 16 KiB SNI is read within the bound and served as no SNI; the connection ends', async () => {
    const bytes = helloWithSni('a'.repeat(16 * 1024));
    expect(bytes.length).toBeGreaterThan(16 * 1024);
    const before = w.events.length;
    const pending = send(bytes);
    await healthyEcho();
    await pending;
    const error = w.events.slice(before).find((e) => e.type === 'tls.error') as { cause: string; detail: string } | undefined;
    // Our reader took the hello whole (no "ClientHello too large"); OpenSSL then refused the name.
    expect(error?.cause).toBe('protocol');
    expect(error?.detail).toMatch(/ERR_SSL_BAD_EXTENSION.*server_name/);
  });

  it('random bytes after 0x16: a tls.error (protocol), nothing reaches the upstream', async () => {
    const random = streamFor(14, 'hostile-tls');
    for (const second of [0x03, 0x47]) {
      const noise = Buffer.from(Array.from({ length: 300 }, () => Math.floor(random() * 256)));
      const before = w.events.length;
      await send(Buffer.concat([Buffer.from([0x16, second, 0x01, 0xff, 0xff]), noise]));
      expect(w.events.slice(before).find((e) => e.type === 'tls.error')).toMatchObject({ cause: 'protocol' });
      expect(w.events.slice(before).some((e) => e.type === 'handshake' || e.type === 'http.request')).toBe(false);
    }
    await healthyEcho();
  });

  it('a client that sends nothing gets 408 at --head-timeout, as on a plain listener: a TLS client speaks first', async () => {
    const before = short.events.length;
    const socket = net.connect(short.port, '127.0.0.1');
    const started = performance.now();
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('close', resolve));
    // Before, the wait for a ClientHello timed out as a TLS failure: FIN, no answer, a tls.error.
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(performance.now() - started).toBeGreaterThanOrEqual(HEAD_TIMEOUT - 10);
    expect(short.events.slice(before).filter((e) => e.type === 'tls.error')).toEqual([]);
  });

  it('a client that stalls inside its ClientHello or after it is closed at --head-timeout', async () => {
    const before = short.events.length;
    const inside = send(hello.subarray(0, 20), { to: short });
    const after = send(hello, { to: short });
    await healthyEcho();
    const [a, b] = await Promise.all([inside, after]);
    expect(a.ms).toBeGreaterThanOrEqual(HEAD_TIMEOUT - 10);
    expect(b.ms).toBeGreaterThanOrEqual(HEAD_TIMEOUT - 10);
    // After a whole ClientHello the proxy answered (ServerHello …) before giving up.
    expect(b.answered).toBeGreaterThan(0);
    const causes = short.events.slice(before).filter((e) => e.type === 'tls.error').map((e) => (e as { cause: string }).cause);
    expect(causes.filter((c) => c === 'timeout')).toHaveLength(2);
  });
});
