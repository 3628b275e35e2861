import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { acceptFor } from '../../src/protocol/accept-key.js';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startTcpServer } from '../helpers/servers.js';
import { acceptedCount, phaseAtRequest } from '../helpers/accepted.js';
import { until } from '../helpers/wait.js';
import { attemptWs } from '../helpers/ws-client.js';

/**
 * Each built-in handshake scenario against a real ws server behind the proxy and a real ws
 * client in front of it: the exact error the client reports, and close code 1006.
 */

let server: http.Server;
let wss: WebSocketServer;
let upstream: string;
const upgradesSeen: string[] = [];

async function startUpstream() {
  // A ws server on its own port (so a plain GET gets ws's own 426) that also serves a page.
  wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => offered.values().next().value ?? false });
  wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
  server = http.createServer((req, res) => {
    if (req.url === '/page') return res.end('a plain page');
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('Upgrade Required');
  });
  server.on('upgrade', (req, socket, head) => {
    upgradesSeen.push(req.url ?? '');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  upstream = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await stopApps();
  await closeAll();
  for (const ws of wss?.clients ?? []) ws.terminate();
  await new Promise<void>((resolve) => (server ? (server.closeAllConnections(), server.close(() => resolve())) : resolve()));
  upgradesSeen.length = 0;
});

const attempt = attemptWs;

describe('handshake scenarios seen by a ws client', () => {
  it.each([
    ['upgrade-required-426', 'Unexpected server response: 426'],
    ['bad-key-400', 'Unexpected server response: 400'],
    ['auth-required-401', 'Unexpected server response: 401'],
    ['origin-forbidden-403', 'Unexpected server response: 403'],
    ['route-missing-404', 'Unexpected server response: 404'],
    ['method-not-allowed-405', 'Unexpected server response: 405'],
    ['upgrade-error-500', 'Unexpected server response: 500'],
    ['bad-gateway-502', 'Unexpected server response: 502'],
    ['unavailable-503', 'Unexpected server response: 503'],
    ['proxy-strips-upgrade', 'Unexpected server response: 426'],
    ['bad-accept', 'Invalid Sec-WebSocket-Accept header'],
    ['missing-accept', 'Invalid Sec-WebSocket-Accept header'],
    ['broken-101', 'Unexpected server response: 101'],
  ])('%s → %s, close 1006', async (scenario, message) => {
    await startUpstream();
    const { url, events } = await startWsfault(upstream, scenario);
    const outcome = await attempt(url + '/ws');
    expect(outcome).toMatchObject({ error: message, closeCode: 1006, opened: false });
    await until(() => events.some((e) => e.type === 'handshake'), 'the handshake event');
    const handshake = events.find((e) => e.type === 'handshake')!;
    expect(handshake).toMatchObject({ path: '/ws' });
    if (!['bad-key-400', 'proxy-strips-upgrade'].includes(scenario)) {
      expect(events.some((e) => e.type === 'fault.applied')).toBe(true);
    }
  });

  it('subprotocol-mismatch → Server sent an invalid subprotocol', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, 'subprotocol-mismatch');
    expect(await attempt(url, ['chat.v1'])).toMatchObject({ error: 'Server sent an invalid subprotocol', closeCode: 1006 });
  });

  it('subprotocol missing → Server sent no subprotocol', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, { name: 'no-proto', faults: [{ type: 'subprotocol', mode: 'missing' }] });
    expect(await attempt(url, ['chat.v1'])).toMatchObject({ error: 'Server sent no subprotocol', closeCode: 1006 });
  });

  it('extensions unrequested → Server indicated an extension that was not requested', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, { name: 'ext', faults: [{ type: 'extensions', mode: 'unrequested' }] });
    // The client offered permessage-deflate: the 101 claims another extension.
    expect(await attempt(url)).toMatchObject({ error: 'Server indicated an extension that was not requested', closeCode: 1006 });
    // The client offered nothing: the 101 claims permessage-deflate.
    expect(await attempt(url, undefined, { perMessageDeflate: false })).toMatchObject({
      error: 'Server sent a Sec-WebSocket-Extensions header but no extension was requested',
      closeCode: 1006,
    });
  });

  it('handshake-hang → Opening handshake has timed out (handshakeTimeout)', async () => {
    await startUpstream();
    const { url, events } = await startWsfault(upstream, 'handshake-hang');
    expect(await attempt(url, undefined, { handshakeTimeout: 500 })).toMatchObject({ error: 'Opening handshake has timed out', closeCode: 1006 });
    expect(upgradesSeen).toHaveLength(0);
    expect(events.find((e) => e.type === 'handshake')).toMatchObject({ status: null, faults: ['hang-handshake-1'] });
  });

  it('drop-handshake → the socket closes unanswered, close 1006', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, { name: 'drop', faults: [{ type: 'drop-handshake' }] });
    const outcome = await attempt(url);
    expect(outcome).toMatchObject({ error: 'socket hang up', closeCode: 1006, opened: false });
  });

  it('slow-handshake opens after the configured delay', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, { name: 'slow', faults: [{ type: 'delay-handshake', delay: '600ms' }] });
    const outcome = await attempt(url);
    expect(outcome.opened).toBe(true);
    expect(outcome.openedAfterMs).toBeGreaterThanOrEqual(590);
    expect(outcome.openedAfterMs).toBeLessThan(1_500);
  });

  it('the built-in slow-handshake holds about 3 s ± 0.5 s', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, 'slow-handshake');
    const outcome = await attempt(url);
    expect(outcome.opened).toBe(true);
    expect(outcome.openedAfterMs).toBeGreaterThanOrEqual(2_490);
    expect(outcome.openedAfterMs).toBeLessThan(4_000);
  }, 10_000);

  it('a 503 carries Retry-After; a 426 carries Upgrade, Connection and Sec-WebSocket-Version', async () => {
    await startUpstream();
    const a = await startWsfault(upstream, 'unavailable-503');
    const b = await startWsfault(upstream, 'upgrade-required-426');
    const headersOf = (url: string) =>
      new Promise<http.IncomingHttpHeaders>((resolve) => new WebSocket(url).once('unexpected-response', (_q, res) => resolve(res.headers)).on('error', () => {}));
    expect((await headersOf(a.url))['retry-after']).toBe('5');
    expect(await headersOf(b.url)).toMatchObject({ upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13' });
  });

  it('never touches plain HTTP requests', async () => {
    await startUpstream();
    const { port } = await startWsfault(upstream, 'upgrade-required-426');
    const res = await fetch(`http://127.0.0.1:${port}/page`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a plain page');
  });
});

describe('rewritten heads change only what the fault says', () => {
  const REQUEST =
    'GET /ws HTTP/1.1\r\nHost: h\r\nupgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Odd:  Case \r\nSec-WebSocket-Version: 13\r\n\r\n';

  async function recordThrough(scenario: object, response = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n') {
    let seen = '';
    const raw = await startTcpServer((socket) =>
      socket.on('data', (d) => {
        seen += d.toString('latin1');
        if (seen.endsWith('\r\n\r\n')) socket.write(response);
      }),
    );
    const { port } = await startWsfault(`ws://127.0.0.1:${raw.port}`, scenario);
    const net = await import('node:net');
    const client = net.connect(port, '127.0.0.1');
    let got = '';
    client.on('data', (d) => (got += d.toString('latin1')));
    client.write(REQUEST);
    await until(() => got.includes('\r\n\r\n'), 'the response head');
    client.destroy();
    return { seen, got };
  }

  it('set-headers changes the key in place; every other line keeps its case and order', async () => {
    const { seen } = await recordThrough({ name: 'bad-key', faults: [{ type: 'set-headers', headers: { 'sec-websocket-key': 'not-a-valid-key' } }] });
    expect(seen).toBe(REQUEST.replace('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Key: not-a-valid-key').replace('X-Odd:  Case ', 'X-Odd: Case'));
  });

  it('strip-upgrade from the request: the server receives a plain GET', async () => {
    const { seen } = await recordThrough({ name: 'strip', faults: [{ type: 'strip-upgrade' }] }, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    expect(seen).not.toMatch(/upgrade:/i);
    expect(seen).not.toMatch(/^connection:/im);
    expect(seen).toMatch(/^GET \/ws HTTP\/1\.1\r\nHost: h\r\nSec-WebSocket-Key: /);
  });

  it('corrupt-accept wrong: valid base64 of 20 bytes that are not the right hash', async () => {
    const { got } = await recordThrough({ name: 'wrong', faults: [{ type: 'corrupt-accept' }] });
    const value = got.match(/Sec-WebSocket-Accept: (\S+)/)![1]!;
    expect(Buffer.from(value, 'base64')).toHaveLength(20);
    expect(Buffer.from(value, 'base64').toString('base64')).toBe(value);
    expect(value).not.toBe(acceptFor('dGhlIHNhbXBsZSBub25jZQ=='));
  });

  it('an untouched head stays byte-exact even when a response-side fault is in force', async () => {
    const { seen } = await recordThrough({ name: 'missing', faults: [{ type: 'corrupt-accept', mode: 'missing' }] });
    expect(seen).toBe(REQUEST);
  });
});

describe('handshake faults with probability, count and phases', () => {
  it('count: only the first 2 upgrades are refused', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, { name: 'first-two', faults: [{ type: 'status', code: 503, count: 2 }] });
    const results = [];
    for (let i = 0; i < 4; i++) results.push((await attempt(url)).opened);
    expect(results).toEqual([false, false, true, true]);
  });

  it('probability 0.5 with a seed refuses about half, the same ones every run', async () => {
    await startUpstream();
    const run = async () => {
      const { url } = await startWsfault(upstream, { name: 'coin', faults: [{ type: 'status', code: 503, probability: 0.5 }] }, 99);
      const opened = [];
      for (let i = 0; i < 40; i++) opened.push((await attempt(url)).opened);
      await stopApps();
      return opened;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const refused = first.filter((o) => !o).length;
    expect(refused).toBeGreaterThan(8);
    expect(refused).toBeLessThan(32);
  });

  it('phases: upgrades are refused only during the outage phase', async () => {
    await startUpstream();
    const { url, events, app, engine } = await startWsfault(upstream, {
      name: 'flap',
      loop: true,
      phases: [
        { name: 'healthy', duration: '400ms' },
        { name: 'outage', duration: '400ms', faults: [{ type: 'status', code: 503 }] },
      ],
    });
    const phaseOfNext = phaseAtRequest(app.bus, engine, events);
    // Attempts one after another until the loop came back from an outage: each must have been
    // answered as its phase says, so a busy machine changes which attempt falls in which phase,
    // never the verdict.
    const seen: string[] = [];
    while (!(seen.includes('outage') && seen.lastIndexOf('healthy') > seen.indexOf('outage'))) {
      const before = acceptedCount(events);
      const result = await attempt(url);
      const phase = await phaseOfNext(before);
      if (phase === 'outage') expect(result.error).toBe('Unexpected server response: 503');
      else expect(result.opened).toBe(true);
      seen.push(phase);
      // Two full loops at most: the outage came and went without an attempt in it otherwise.
      expect(events.filter((e) => e.type === 'phase.changed').length).toBeLessThan(5);
    }
  });
});

describe('match', () => {
  it('a handshake fault with a path match refuses only matching upgrades', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, { name: 'chat-down', faults: [{ type: 'status', code: 503, match: { path: '/chat/**' } }] });
    expect((await attempt(url + '/chat/room/7')).error).toBe('Unexpected server response: 503');
    expect((await attempt(url + '/feed')).opened).toBe(true);
  });

  it('a scenario match on a header narrows every fault in it', async () => {
    await startUpstream();
    const { url } = await startWsfault(upstream, { name: 'tenant', match: { headers: { 'x-tenant': 'a*' } }, faults: [{ type: 'status', code: 403 }] });
    expect((await attempt(url, undefined, { headers: { 'X-Tenant': 'acme' } })).error).toBe('Unexpected server response: 403');
    expect((await attempt(url, undefined, { headers: { 'X-Tenant': 'beta' } })).opened).toBe(true);
  });
});
