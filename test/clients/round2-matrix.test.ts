import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app.js';
import type { WsfaultEvent } from '../../src/events/types.js';
import { loadScenarioObject } from '../../src/scenario/load.js';
import { EXPECTED } from './round2-expected.js';
import { buildGorilla, CLIENTS, holdConnection, runClient, startEchoUpstream, startSocketIoUpstream, type ClientName, type Upstream } from './matrix.js';
import { kindOf, MATRIX, planFor, type MatrixScenario } from './matrix-scenarios.js';
import { observe } from './observe.js';
import { RESULTS_DIR } from './results.js';

/**
 * Issue #18: every built-in scenario against socket.io-client (default transports and
 * websocket-only), partysocket, reconnecting-websocket, undici 7, Node 20's global WebSocket and
 * gorilla/websocket, each through its own wsfault (seed 1) to a real upstream: a ws echo server,
 * or a socket.io server that echoes `echo` events. What the app saw is asserted exactly
 * (round2-expected.ts) and written to docs/clients.md by `npm run docs:clients`.
 */

let gorilla: string;
const rows: { scenario: string; change?: string; client: ClientName; text: string; timing: string | null; events: unknown[] }[] = [];

beforeAll(async () => {
  gorilla = await buildGorilla();
  // One socket.io and one undici session through a passthrough proxy first, so that the modules
  // the cells load on first use (clients, the proxy's HTTP forwarding) are loaded before twelve
  // cells start at once.
  await Promise.all([warmUp('socketio', startSocketIoUpstream()), warmUp('undici', startEchoUpstream())]);
}, 180_000);

async function warmUp(client: ClientName, upstreamStarted: Promise<Upstream>) {
  const upstream = await upstreamStarted;
  const app = await startApp({ proxies: [{ name: 'default', target: upstream.url, listen: '127.0.0.1:0' }], seed: 1 });
  try {
    const base = `127.0.0.1:${app.proxies.get('default')!.proxy.address.port}`;
    const url = client === 'socketio' ? `http://${base}` : `ws://${base}/ws`;
    await runClient({ client, url, until: [{ answered: 1, ...(client === 'socketio' ? { upgrades: 1 } : {}) }], deadlineMs: 30_000 }, gorilla);
  } finally {
    await app.stop(200);
    await upstream.close();
  }
}

afterAll(() => {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(`${RESULTS_DIR}/round2.json`, JSON.stringify(rows, null, 1));
});

async function runCell(s: MatrixScenario, client: ClientName) {
  const socketio = client.startsWith('socketio');
  const upstream = socketio ? await startSocketIoUpstream(s.heartbeat ? { pingInterval: 2000, pingTimeout: 3000 } : {}) : await startEchoUpstream();
  const app = await startApp({ proxies: [{ name: 'default', target: upstream.url, listen: '127.0.0.1:0' }], seed: 1 });
  const events: WsfaultEvent[] = [];
  app.bus.subscribe((e) => events.push(e));
  let release: (() => void) | undefined;
  let arming: NodeJS.Timeout | undefined;
  try {
    const { proxy } = app.proxies.get('default')!;
    const scenario = typeof s.scenario === 'string' ? app.library.get(s.scenario) : loadScenarioObject(s.scenario, s.name);
    // Timed faults on open connections start once the client's first probe was answered (over a
    // WebSocket), so that a slow start on a busy machine cannot change what the client sees.
    // One second later, so that the probe's answer is past the proxy before the fault acts.
    if (s.armAfterProbe) upstream.seen.once('probed', () => (arming = setTimeout(() => app.use('default', scenario), 1000)));
    else if (s.scenario !== 'passthrough') app.use('default', scenario);
    if (s.holdSlot) {
      // The slot is freed once the proxy has refused this many connections, so a client that
      // retries gets in on a later attempt however slow it is to start.
      const free = await holdConnection(proxy.address.port);
      let refused = 0;
      const fallback = setTimeout(free, 8000);
      release = () => {
        clearTimeout(fallback);
        free();
      };
      app.bus.subscribe((e) => {
        if (e.type === 'fault.applied' && e.fault.type === 'max-connections' && ++refused === s.holdSlot!.refusals) release!();
      });
    }
    const base = `127.0.0.1:${proxy.address.port}`;
    const plan = planFor(s, client, socketio ? `http://${base}` : `ws://${base}/ws`);
    const result = await runClient(plan, gorilla);
    const upgrades = events.filter((e) => e.type === 'handshake').length;
    return { ...observe(client, plan, result.events, result.readyState, upgrades, {
      burstCountVaries: s.burstCountVaries,
      kind: kindOf(s, client),
      countsVary: client === 'socketio' && s.randomMessages,
      messagesInAnyOrder: kindOf(s, client) === 'oversized',
    }), events: result.events };
  } finally {
    clearTimeout(arming);
    release?.();
    await app.stop(200);
    await upstream.close();
  }
}

describe.concurrent('round 2: every built-in scenario × real clients', () => {
  for (const s of MATRIX) {
    for (const client of CLIENTS) {
      it(`${s.name} › ${client}`, async () => {
        const { text, timing, events } = await runCell(s, client);
        rows.push({ scenario: s.name, change: s.change, client, text, timing, events });
        const expected = EXPECTED[s.name]?.[client];
        if (expected === undefined) throw new Error(`no expectation for ${s.name} › ${client}; observed: ${text}\n${JSON.stringify(events)}`);
        if (expected instanceof RegExp) expect(text, JSON.stringify(events)).toMatch(expected);
        else expect(text, JSON.stringify(events)).toBe(expected);
      }, 60_000);
    }
  }
});
