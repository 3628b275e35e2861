/**
 * The reconnect report (SPEC §11) against real reconnecting clients, each classified as its
 * source says it behaves (research notes B.1). Delays are shortened so the suite stays quick,
 * keeping each schedule's shape: socket.io `reconnectionDelay: 100` (default 1000) with its
 * default ±50 % randomisation and factor 2, cap raised so the run stays below it; partysocket
 * and reconnecting-websocket `minReconnectionDelay: 200` (defaults 3000 and random 1000–5000)
 * with their default growth ×1.3. The fleet of socket.io clients keeps every default.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWsfault, type Wsfault } from '../../src/index.js';
import { launchChromium } from './clients.js';
import type { Browser } from 'playwright-core';

const require = createRequire(import.meta.url);
const { default: PartySocket } = (await import('partysocket/ws')) as unknown as { default: new (url: string, protocols?: string[], options?: object) => { close(): void; send(d: string): void; addEventListener(t: string, l: () => void): void } };
const ReconnectingWebSocket = require('reconnecting-websocket') as new (url: string, protocols?: string[], options?: object) => { close(): void; send(d: string): void; addEventListener(t: string, l: () => void): void };

let http: HttpServer;
let ioTarget: string;
let browser: Browser;
const started: Wsfault[] = [];
const closers: (() => void)[] = [];

beforeAll(async () => {
  http = createServer();
  const io = new IoServer(http);
  io.on('connection', (socket) => socket.on('echo', (m: string) => socket.emit('echo', m)));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  ioTarget = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  browser = await launchChromium();
});
afterAll(async () => {
  closers.forEach((c) => c());
  await Promise.all(started.map((w) => w.close()));
  await browser?.close();
  http?.closeAllConnections();
  await new Promise((r) => http?.close(r));
});

async function chaos(options: Parameters<typeof startWsfault>[0]) {
  const w = await startWsfault({ seed: 15, clientKey: 'query:client', ...options });
  started.push(w);
  return w;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets a connected client fail `failures` attempts in a row (RST at accept), then lets it back in. */
async function outage(w: Wsfault, failures: number) {
  const seen = w.connections().length;
  await w.use({ name: 'down', faults: [{ type: 'refuse', how: 'rst' }] });
  w.kill('all', { how: 'rst' });
  await w.waitFor('fault.applied', { count: failures, timeout: 20_000 });
  await w.use('passthrough');
  await w.waitFor('handshake', { where: (e) => e.status === 101, timeout: 20_000 });
  return seen;
}

describe.concurrent('backoff of real clients, classified as their source says', () => {
  it('socket.io-client 4: polling and upgrade are one attempt; exponential ×2 with jitter', async () => {
    const w = await chaos({ target: ioTarget });
    const socket: IoSocket = ioClient(w.url, { query: { client: 'io' }, reconnectionDelay: 100, reconnectionDelayMax: 100_000 });
    closers.push(() => socket.close());
    await w.waitFor('handshake', { since: 0, where: (e) => e.status === 101, timeout: 10_000 });
    await outage(w, 6);
    const client = w.report().clients.find((c) => c.key === 'io')!;
    expect(client.attempts[0]!.conns.length).toBeGreaterThanOrEqual(2);
    expect(client.attempts[0]!.outcome).toBe('upgraded');
    expect(client.attempts[0]!.path).toBe('/socket.io/');
    expect(client.backoff.class).toBe('exponential');
    expect(client.backoff.factor).toBeGreaterThan(1.5);
    expect(client.backoff.factor).toBeLessThan(2.7);
  }, 40_000);

  for (const [name, make] of [
    ['partysocket', (url: string) => new PartySocket(url, [], { WebSocket, minReconnectionDelay: 200, maxReconnectionDelay: 100_000 })],
    ['reconnecting-websocket', (url: string) => new ReconnectingWebSocket(url, [], { WebSocket, minReconnectionDelay: 200, maxReconnectionDelay: 100_000 })],
  ] as const) {
    it(`${name}: exponential ×1.3, no jitter`, async () => {
      const w = await chaos({});
      const ws = make(`${w.url}/?client=${name}`);
      closers.push(() => ws.close());
      await w.waitFor('handshake', { since: 0, where: (e) => e.status === 101, timeout: 10_000 });
      await outage(w, 6);
      const client = w.report().clients.find((c) => c.key === name)!;
      expect(client.backoff.class).toBe('exponential');
      expect(client.backoff.factor).toBeGreaterThan(1.2);
      expect(client.backoff.factor).toBeLessThan(1.4);
    }, 40_000);
  }

  /** A ws client that reconnects after `wait` ms, `tries` connections in all. */
  const plain = (url: string, wait: number, tries: number) => {
    let n = 0;
    const open = () => {
      const ws = new WebSocket(url);
      ws.on('error', () => {});
      ws.on('close', () => {
        if (++n < tries) setTimeout(open, wait);
      });
    };
    open();
  };

  it('a naive client is immediate, one retrying every 2 s is fixed ~2000 ms', async () => {
    const w = await chaos({ scenario: { name: 'reject', faults: [{ type: 'status', code: 503 }] } });
    plain(`${w.url}/?client=naive`, 0, 5);
    plain(`${w.url}/?client=every2s`, 2000, 4);
    await w.waitFor('connection.close', { since: 0, count: 9, timeout: 20_000 });
    const byKey = Object.fromEntries(w.report().clients.map((c) => [c.key, c.backoff]));
    expect(byKey.naive!.class).toBe('immediate');
    expect(byKey.every2s).toMatchObject({ class: 'fixed' });
    expect(byKey.every2s!.fixedMs).toBeGreaterThanOrEqual(1900);
  }, 30_000);

  it('a client that gives up after 3 is reported as such once 30 s passed without an attempt', async () => {
    const w = await chaos({ scenario: { name: 'reject', faults: [{ type: 'status', code: 503 }] } });
    plain(`${w.url}/?client=quitter`, 100, 3);
    await w.waitFor('connection.close', { since: 0, count: 3, timeout: 10_000 });
    expect(w.report().clients[0]!.gaveUp).toBeNull();
    await sleep(31_000);
    expect(w.report().clients[0]!.gaveUp).toEqual({ after: 3 });
  }, 45_000);
});

// One at a time: a herd is a matter of milliseconds, and the other tests' clients share this event loop.
describe('fleets', () => {
  it('20 partysocket clients closed with 1012 at once retry together: herd', async () => {
    const w = await chaos({});
    for (let i = 0; i < 20; i++) {
      const ws = new PartySocket(`${w.url}/?client=p${i}`, [], { WebSocket, minReconnectionDelay: 300, maxReconnectionDelay: 100_000 });
      closers.push(() => ws.close());
    }
    await w.waitFor('handshake', { since: 0, count: 20, where: (e) => e.status === 101, timeout: 20_000 });
    // The server restarts: every open connection gets Close 1012 at the same moment.
    await w.use({ name: 'server-restart-1012-now', faults: [{ type: 'close-frame', code: 1012, reason: 'restarting', count: 20 }] });
    await w.waitFor('handshake', { since: 0, count: 40, where: (e) => e.status === 101, timeout: 20_000 });
    const { herd } = w.report().fleet;
    expect(herd.clients).toBe(20);
    expect(herd.verdict).toBe('herd');
    expect(herd.largestShare).toBeGreaterThanOrEqual(0.5);
  }, 40_000);

  it('20 socket.io clients with default delays: jitter, no herd', async () => {
    const w = await chaos({ target: ioTarget, scenario: { name: 'restart', faults: [{ type: 'close-frame', code: 1012, after: '1s' }] } });
    for (let i = 0; i < 20; i++) {
      const socket = ioClient(w.url, { query: { client: `s${i}` }, forceNew: true });
      closers.push(() => socket.close());
    }
    await w.waitFor('handshake', { since: 0, count: 40, where: (e) => e.status === 101, timeout: 25_000 });
    const report = w.report();
    expect(report.clients).toHaveLength(20);
    expect(report.fleet.jitter.verdict).toBe('jitter');
    expect(report.fleet.herd.verdict).toBe('no-herd');
  }, 40_000);
});

describe('Chromium', () => {
  // Chromium retries once by itself after a connection-level TLS failure (research notes A.3:
  // two ClientHellos 15–45 ms apart for one new WebSocket()). Here its wss:// meets a plain
  // listener, which answers the ClientHello with a plain 408 after a short head timeout: the
  // second connection is Chromium's own, and the report must count one attempt.
  it('its own second attempt after a connection-level failure is merged into one attempt', async () => {
    const w = await chaos({ clientKey: 'addr+ua', limits: { headTimeoutMs: 300 } });
    const page = await browser.newPage();
    try {
      const closed = await page.evaluate(`new Promise((resolve) => {
        const ws = new WebSocket(${JSON.stringify(w.url.replace('ws://', 'wss://') + '/')});
        ws.onopen = () => resolve(0);
        ws.onclose = (e) => resolve(e.code);
      })`);
      expect(closed).toBe(1006);
      await w.waitFor('connection.close', { since: 0, count: 2, timeout: 10_000 });
      const report = w.report();
      expect(report.attempts.total).toBe(2);
      expect(report.clients).toHaveLength(1);
      expect(report.clients[0]!.attempts).toHaveLength(1);
      expect(report.clients[0]!.attempts[0]!.conns).toHaveLength(2);
      expect(report.clients[0]!.waits).toEqual([]);
    } finally {
      await page.close();
    }
  }, 30_000);

  it('a page that retries at once after a reset: one attempt with both connections, keyed by its user agent', async () => {
    const w = await chaos({ clientKey: 'addr+ua', scenario: { name: 'refuse-once', faults: [{ type: 'refuse', how: 'rst', count: 1 }] } });
    const page = await browser.newPage();
    try {
      const opened = await page.evaluate(`new Promise((resolve) => {
        const open = (retry) => {
          const ws = new WebSocket(${JSON.stringify(w.url + '/')});
          ws.onopen = () => { ws.send('hi'); resolve(true); };
          ws.onclose = () => (retry ? open(false) : resolve(false));
        };
        open(true);
      })`);
      expect(opened).toBe(true);
      await w.waitFor('connection.open', { since: 0, count: 2, timeout: 10_000 });
      const report = w.report();
      expect(report.clients).toHaveLength(1);
      expect(report.clients[0]!.key).toContain('Chrome');
      expect(report.clients[0]!.attempts).toHaveLength(1);
      const [attempt] = report.clients[0]!.attempts;
      expect(attempt!.conns).toHaveLength(2);
      expect(attempt!.outcome).toBe('upgraded');
      expect(attempt!.faults).toEqual(['refuse']);
    } finally {
      await page.close();
    }
  }, 30_000);
});
