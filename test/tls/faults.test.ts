import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadScenarioObject } from '../../src/scenario/load.js';
import { closeAll, startUpgradeRecorder, startWsEcho } from '../helpers/servers.js';
import { startTlsWsfault, stopTlsApps } from '../helpers/tls.js';
import { until } from '../helpers/wait.js';

let w: Awaited<ReturnType<typeof startTlsWsfault>>;
beforeAll(async () => {
  const echo = await startWsEcho();
  // A close timeout no test waits out: a connection the proxy ended must close because the
  // client's FIN was seen, not because the proxy gave up waiting for it.
  w = await startTlsWsfault(echo.url, 'passthrough', { limits: { closeTimeoutMs: 600_000 } });
});
afterAll(async () => {
  await stopTlsApps();
  await closeAll();
});

interface Outcome {
  opened: boolean;
  code: string | null;
  message: string | null;
  closeCode: number | null;
  ms: number;
}

/** A ws client trusting the test CA: what it reports (its error's code and message, then the close). */
function attempt(url: string, options: WebSocket.ClientOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const ws = new WebSocket(url, { ca: w.ca, ...options });
    const out: Outcome = { opened: false, code: null, message: null, closeCode: null, ms: 0 };
    ws.on('open', () => {
      out.opened = true;
      ws.close(1000);
    });
    ws.on('error', (error: Error & { code?: string }) => {
      out.code = error.code ?? null;
      out.message = error.message;
    });
    ws.on('close', (code) => resolve({ ...out, closeCode: code, ms: performance.now() - started }));
  });
}

function use(faults: object[], match?: object) {
  w.app.use('default', { name: 'tls-test', faults: faults.map((f) => (match ? { ...f, match } : f)) });
}

describe('tls-cert: each defect gives ws its documented error', () => {
  const cases: [string, object, string, RegExp][] = [
    ['expired', { problem: 'expired' }, 'CERT_HAS_EXPIRED', /certificate has expired/],
    ['not-yet-valid', { problem: 'not-yet-valid' }, 'CERT_NOT_YET_VALID', /not yet valid/],
    ['wrong-name', { problem: 'wrong-name', names: ['wrong.example'] }, 'ERR_TLS_CERT_ALTNAME_INVALID', /DNS:wrong\.example/],
    ['self-signed', { problem: 'self-signed' }, 'DEPTH_ZERO_SELF_SIGNED_CERT', /self-signed certificate/],
    ['unknown-ca', { problem: 'unknown-ca' }, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', /unable to verify the first certificate/],
    ['missing-intermediate', { problem: 'missing-intermediate' }, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', /unable to verify the first certificate/],
  ];
  for (const [name, params, code, message] of cases) {
    it(name, async () => {
      use([{ type: 'tls-cert', ...params }]);
      const out = await attempt(w.wss);
      expect(out).toMatchObject({ opened: false, code, closeCode: 1006 });
      expect(out.message).toMatch(message);
    });
  }

  it('the fault acted (fault.applied) and the client leaving is a tls.error', async () => {
    const before = w.events.length;
    use([{ type: 'tls-cert', problem: 'expired' }]);
    await attempt(w.wss);
    await until(() => w.events.slice(before).some((e) => e.type === 'tls.error'), 'tls.error');
    const mine = w.events.slice(before);
    expect(mine.find((e) => e.type === 'fault.applied')).toMatchObject({ fault: { type: 'tls-cert' }, detail: { problem: 'expired' } });
    // Node clients close without an alert (TLS 1.3): the proxy can tell only that the client left.
    expect(mine.find((e) => e.type === 'tls.error')).toMatchObject({ cause: expect.stringMatching(/^(closed|cert-rejected|reset)$/) });
    expect(mine.some((e) => e.type === 'tls.handshake')).toBe(false);
  });
});

/** One ws attempt whose handshake a fault broke, with the one `tls.error` it caused. */
async function brokenAttempt(): Promise<{ out: Outcome; error: Record<string, unknown> }> {
  const before = w.events.length;
  const out = await attempt(w.wss);
  const conn = w.events.slice(before).find((e) => e.type === 'connection.open')!.conn;
  const mine = () => w.events.slice(before).filter((e) => 'conn' in e && e.conn === conn);
  await until(() => mine().some((e) => e.type === 'connection.close'), 'connection.close');
  const errors = mine().filter((e) => e.type === 'tls.error');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.detail).toMatch(/\(fault tls-handshake-\d+\)$/);
  return { out, error: errors[0]! as unknown as Record<string, unknown> };
}

describe('tls-handshake: each way of breaking it', () => {
  it('reset: ECONNRESET', async () => {
    use([{ type: 'tls-handshake', how: 'reset' }]);
    const { out, error } = await brokenAttempt();
    expect(out).toMatchObject({ opened: false, code: 'ECONNRESET', closeCode: 1006 });
    expect(error).toMatchObject({ cause: 'reset' });
  });

  it('close: the socket ends before the TLS connection was established', async () => {
    use([{ type: 'tls-handshake', how: 'close' }]);
    const { out, error } = await brokenAttempt();
    expect(out).toMatchObject({ opened: false, code: 'ECONNRESET', closeCode: 1006 });
    expect(out.message).toMatch(/disconnected before secure TLS connection was established/);
    expect(error).toMatchObject({ cause: 'closed' });
  });

  it('alert: a fatal handshake_failure (40), or the code asked for', async () => {
    use([{ type: 'tls-handshake', how: 'alert' }]);
    const { out, error } = await brokenAttempt();
    expect(error).toMatchObject({ cause: 'protocol' });
    expect(out).toMatchObject({ opened: false, code: 'EPROTO' });
    expect(out.message).toMatch(/alert handshake failure.*alert number 40/);
    use([{ type: 'tls-handshake', how: 'alert', alert: 112 }]);
    expect((await attempt(w.wss)).message).toMatch(/alert number 112/);
  });

  it('not-tls: a plain HTTP answer to the ClientHello', async () => {
    use([{ type: 'tls-handshake', how: 'not-tls' }]);
    const { out, error } = await brokenAttempt();
    expect(error).toMatchObject({ cause: 'protocol' });
    expect(out).toMatchObject({ opened: false, code: 'EPROTO' });
    expect(out.message).toMatch(/wrong version number/);
  });

  it('alpn-h2-only: a client that offers http/1.1 fails; ws offers no ALPN and opens', async () => {
    use([{ type: 'tls-handshake', how: 'alpn-h2-only' }]);
    expect(await attempt(w.wss)).toMatchObject({ opened: true });
    const error = await new Promise<Error & { code?: string }>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: w.port, servername: 'localhost', ca: w.ca, ALPNProtocols: ['http/1.1'] });
      socket.once('error', resolve);
    });
    expect(error.message).toMatch(/no application protocol/i);
  });

  it('tls1.0-only: a modern client refuses the protocol version', async () => {
    use([{ type: 'tls-handshake', how: 'tls1.0-only' }]);
    const out = await attempt(w.wss);
    expect(out).toMatchObject({ opened: false, code: 'EPROTO' });
    expect(out.message).toMatch(/protocol version|unsupported protocol/);
  });

  it('stall: nothing until `after`, then FIN', async () => {
    use([{ type: 'tls-handshake', how: 'stall', after: '400ms' }]);
    const { out, error } = await brokenAttempt();
    expect(error).toMatchObject({ cause: 'timeout' });
    expect(error.detail).toMatch(/stalled for 400 ms/);
    expect(out).toMatchObject({ opened: false, code: 'ECONNRESET', closeCode: 1006 });
    expect(out.ms).toBeGreaterThanOrEqual(390);
  });

  it('stall without after: the client gives up by itself (ws handshakeTimeout)', async () => {
    use([{ type: 'tls-handshake', how: 'stall' }]);
    const before = w.events.length;
    const out = await attempt(w.wss, { handshakeTimeout: 300 });
    expect(out).toMatchObject({ opened: false, closeCode: 1006 });
    expect(out.message).toMatch(/Opening handshake has timed out/);
    expect(out.ms).toBeGreaterThanOrEqual(290);
    // The stalled connection ends when the client leaves: nothing is kept behind.
    await until(() => w.events.slice(before).some((e) => e.type === 'connection.close'), 'connection.close');
    expect(w.events.slice(before).find((e) => e.type === 'tls.error')).toMatchObject({ cause: 'closed' });
  });
});

describe('tls-delay and matching', () => {
  it('tls-delay holds the ClientHello, then the connection opens', async () => {
    use([{ type: 'tls-delay', delay: '300ms' }]);
    const out = await attempt(w.wss);
    expect(out.opened).toBe(true);
    expect(out.ms).toBeGreaterThanOrEqual(290);
  });

  it('match: sni narrows a TLS fault to one server name', async () => {
    use([{ type: 'tls-cert', problem: 'expired' }], { sni: 'bad.*' });
    expect(await attempt(w.wss)).toMatchObject({ opened: true });
    const error = await new Promise<Error & { code?: string }>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: w.port, servername: 'bad.example', ca: w.ca });
      socket.once('error', resolve);
    });
    expect(error.code).toBe('CERT_HAS_EXPIRED');
  });

  it('a TLS fault on a plain ws:// connection does nothing', async () => {
    use([{ type: 'tls-handshake', how: 'reset' }]);
    expect(await attempt(w.url)).toMatchObject({ opened: true, closeCode: 1000 });
  });

  it('the loader refuses path, headers or query on a TLS fault, at their place', () => {
    expect(() => loadScenarioObject({ name: 'x', faults: [{ type: 'tls-cert', match: { path: '/ws' } }] }, 'inline')).toThrow(/faults\[0\]\.match\.path.*before any HTTP is seen: match only on sni, client, listener or connections/s);
    expect(() => loadScenarioObject({ name: 'x', match: { headers: { a: 'b' } }, faults: [{ type: 'tls-delay', delay: '1s' }] }, 'inline')).toThrow(/match\.headers.*its match may use only sni, client, listener or connections/s);
    expect(() => loadScenarioObject({ name: 'x', faults: [{ type: 'tls-cert', problem: 'expired', match: { sni: 'a.test', client: '127.*' } }] }, 'inline')).not.toThrow();
  });
});

describe('transport faults on wss:// count the bytes on the wire', () => {
  it('limit-data upstream while the server is still being dialled: the server gets what the whole records before the cut carried, then FIN', async () => {
    const upstream = await startUpgradeRecorder();
    // connect-delay holds the dial, so the cut comes while the server is not yet connected.
    const cut = await startTlsWsfault(`ws://127.0.0.1:${upstream.port}`, { name: 'cut', faults: [{ type: 'connect-delay', delay: '300ms' }, { type: 'limit-data', bytes: 6000, direction: 'upstream' }] });
    const client = tls.connect({ host: '127.0.0.1', port: cut.port, servername: 'localhost', ca: cut.ca });
    client.on('error', () => {});
    await new Promise((resolve) => client.once('secureConnect', resolve));
    const head = Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
    const frames = Array.from({ length: 20 }, (_, i) => Buffer.concat([Buffer.from([0x82, 0xfe, 0x01, 0xf4, 0, 0, 0, 0]), Buffer.alloc(500, i)]));
    // One TLS record per write: each waits until the one before has left.
    for (const bytes of [head, ...frames]) await new Promise((resolve) => client.write(bytes, resolve));
    await upstream.ended;
    // Before, the cut ended the connection at once and the dial was thrown away: 0 bytes arrived.
    const received = upstream.received();
    const sent = Buffer.concat([head, ...frames]);
    expect(received.length).toBeGreaterThanOrEqual(head.length + frames[0]!.length);
    expect(received.length).toBeLessThan(sent.length);
    expect(received.equals(sent.subarray(0, received.length))).toBe(true);
    await until(() => cut.events.some((e) => e.type === 'connection.close'), 'connection.close');
    expect(cut.events.find((e) => e.type === 'connection.close')).toMatchObject({ by: 'proxy', how: 'fin' });
    client.destroy();
  });
});
