import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as SocketIoServer } from 'socket.io';
import { WebSocketServer } from 'ws';
import { parse } from 'yaml';
// @ts-expect-error: plain JavaScript so that a child `node` can run it; its types are below
import { runSession as runNodeSession } from './node-clients.mjs';

/**
 * The round-2 client matrix (issue #18): socket.io-client (default transports and
 * websocket-only), partysocket, reconnecting-websocket, undici 7, Node 20's global WebSocket and
 * gorilla/websocket, each through wsfault against every built-in scenario.
 */

export const CLIENTS = ['socketio', 'socketio-ws', 'partysocket', 'rws', 'undici', 'node-global', 'gorilla'] as const;
export type ClientName = (typeof CLIENTS)[number];

export const CLIENT_TITLES: Record<ClientName, string> = {
  socketio: 'socket.io-client 4.8 (default transports)',
  'socketio-ws': "socket.io-client 4.8 (transports: ['websocket'])",
  partysocket: 'partysocket 1.3 (on ws)',
  rws: 'reconnecting-websocket 4.4 (on ws)',
  undici: 'undici 7 WebSocket',
  'node-global': "Node 20's WebSocket (--experimental-websocket)",
  gorilla: 'gorilla/websocket 1.5 (Go)',
};

export const RECONNECTING = new Set<ClientName>(['socketio', 'socketio-ws', 'partysocket', 'rws']);

export interface SessionEvent {
  t: number;
  type: string;
  [field: string]: unknown;
}

export interface Until {
  opens?: number;
  answered?: number;
  closes?: number;
  errors?: number;
  received?: number;
  upgrades?: number;
  binaries?: number;
}

export interface SessionPlan {
  client: ClientName;
  url: string;
  protocols?: string[];
  burst?: number;
  probeAtMs?: number[];
  until: Until[];
  graceMs?: number;
  deadlineMs: number;
  /** the session ends this long after the first open (watch scenarios) */
  endAfterOpenMs?: number;
  options?: Record<string, unknown>;
  /** gorilla only */
  handshakeTimeoutMs?: number;
  pingPeriodMs?: number;
  pongWaitMs?: number;
}

export interface SessionResult {
  events: SessionEvent[];
  readyState?: number | string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NODE_CLIENTS = path.join(HERE, 'node-clients.mjs');
const GORILLA_SOURCE = path.join(HERE, 'gorilla', 'main.go');

/** Runs a session: in this process for undici, partysocket and socket.io; in a child for the rest. */
export function runClient(plan: SessionPlan, gorillaBinary: string): Promise<SessionResult> {
  switch (plan.client) {
    case 'node-global':
      // Node 20 has WebSocket only behind the flag; a crash in the child is reported, not fatal.
      return runChild(process.execPath, ['--experimental-websocket', '--no-warnings', NODE_CLIENTS, JSON.stringify(plan)], plan.deadlineMs);
    case 'rws':
      // reconnecting-websocket on ws can throw an unhandled 'error' (its connectionTimeout), which
      // would kill the test worker: it runs in a child that reports the crash.
      return runChild(process.execPath, [NODE_CLIENTS, JSON.stringify(plan)], plan.deadlineMs);
    case 'gorilla':
      return runChild(gorillaBinary, [JSON.stringify(plan)], plan.deadlineMs);
    default:
      return runNodeSession(plan) as Promise<SessionResult>;
  }
}

function runChild(file: string, args: string[], deadlineMs: number): Promise<SessionResult> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: deadlineMs + 15_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${path.basename(file)} failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as SessionResult);
    }),
  );
}

/** Builds the gorilla client once (GOPATH mode, Debian's gorilla package); returns the binary. */
export async function buildGorilla(): Promise<string> {
  const go = process.env.GO ?? 'go';
  const gocode = process.env.WSFAULT_GOCODE ?? '/usr/share/gocode';
  if (!existsSync(path.join(gocode, 'src/github.com/gorilla/websocket'))) {
    throw new Error(`gorilla/websocket not found under ${gocode}: install Debian's golang-go and golang-github-gorilla-websocket-dev (apt-get install golang-go golang-github-gorilla-websocket-dev). This suite needs the real client and does not skip.`);
  }
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'wsfault-gorilla-')), 'gorilla-client');
  const env: NodeJS.ProcessEnv = { ...process.env, GO111MODULE: 'off', GOPATH: gocode, GOFLAGS: '' };
  if (!env.GOCACHE && !env.HOME) env.GOCACHE = path.join(os.tmpdir(), 'wsfault-gocache');
  await new Promise<void>((resolve, reject) =>
    execFile(go, ['build', '-o', out, GORILLA_SOURCE], { env, timeout: 180_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`go build failed (is golang-go installed?): ${stderr || error.message}`)) : resolve(),
    ),
  );
  return out;
}

export interface Upstream {
  url: string;
  /** Emits 'probed' once the first probe (p1) was echoed over a WebSocket. */
  seen: EventEmitter;
  close: () => Promise<void>;
}

/** A ws echo server; a plain GET gets 426 (so proxy-strips-upgrade shows a status). */
export async function startEchoUpstream(): Promise<Upstream> {
  const seen = new EventEmitter();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => offered.values().next().value ?? false });
  wss.on('connection', (ws) =>
    ws.on('message', (data, binary) => {
      ws.send(data, { binary });
      if (!binary && data.toString() === 'p1') seen.emit('probed');
    }),
  );
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('Upgrade Required');
  });
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  return { seen, ...(await listen(server, () => {
    for (const ws of wss.clients) ws.terminate();
  })) };
}

/** A socket.io server that answers every `echo` with an `echo`. */
export async function startSocketIoUpstream(options: { pingInterval?: number; pingTimeout?: number } = {}): Promise<Upstream> {
  const seen = new EventEmitter();
  const server = http.createServer();
  const io = new SocketIoServer(server, { ...options });
  io.on('connection', (socket) =>
    socket.on('echo', (data: unknown) => {
      socket.emit('echo', data);
      if (data !== 'p1') return;
      // 'probed' waits for the WebSocket: with default transports p1 may come by long-polling.
      if (socket.conn.transport.name === 'websocket') seen.emit('probed');
      else socket.conn.once('upgrade', () => seen.emit('probed'));
    }),
  );
  return { seen, ...(await listen(server, () => {
    io.disconnectSockets(true);
    io.engine.close();
  })) };
}

async function listen(server: http.Server, before: () => void) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      before();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw TCP connection to the proxy that sends nothing: it holds a slot of max-connections. */
export async function holdConnection(port: number): Promise<() => void> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return () => socket.destroy();
}

const SCENARIO_DIR = path.join(HERE, '..', '..', 'scenarios');

/** A built-in scenario read from its file, changed by `patch` (shorter timings for the suite). */
export function shortened(name: string, patch: (doc: { faults: Record<string, unknown>[]; phases?: { duration: string; faults?: Record<string, unknown>[] }[] }) => void): object {
  const doc = parse(readFileSync(path.join(SCENARIO_DIR, `${name}.yaml`), 'utf8'));
  patch(doc);
  return doc;
}
