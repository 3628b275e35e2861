import { RECONNECTING, shortened, type ClientName, type SessionPlan, type Until } from './matrix.js';

/**
 * Every built-in scenario, as the round-2 client matrix runs it: the built-in itself, or a copy
 * with shorter timings (said in `change`, and in docs/clients.md) so that reconnecting clients
 * show their reaction within seconds.
 *
 * What a session waits for depends on the kind of scenario:
 * - refused: the handshake fails every time. A plain client's first failure; a reconnecting
 *   client's second attempt (so we see that it retries); socket.io with default transports
 *   connects over long-polling, so its probe's answer and the outcome of the upgrade.
 * - recovers: the handshake fails or is slow for a while, then works: the first probe answered.
 * - drop: the connection opens and is ended later: a plain client's close or error; a
 *   reconnecting client's probe answered on its second connection.
 * - stream: message faults: the probe and the burst m01…m40 (echoed by the upstream), until all
 *   are back or the deadline.
 * - watch: nothing should end the connection that the client can notice: watch until the
 *   deadline (a late probe shows whether messages still flow).
 * - oversized: the 16 MiB message arrives, or (socket.io) the client reconnects.
 */
export type Kind = 'refused' | 'recovers' | 'drop' | 'stream' | 'watch' | 'oversized';

export interface MatrixScenario {
  name: string;
  scenario: string | object;
  change?: string;
  kind: Kind | ((client: ClientName) => Kind);
  /** subprotocols the WHATWG clients and gorilla offer (socket.io offers none, as apps do) */
  protocols?: string[];
  burst?: number;
  deadlineMs?: number;
  /** socket.io: server pingInterval 2000 ms, pingTimeout 3000 ms; gorilla: a ping every 1000 ms, pong wait 3000 ms */
  heartbeat?: boolean;
  /** partysocket and reconnecting-websocket: keep their default connectionTimeout (4 s) */
  defaultConnectionTimeout?: boolean;
  /** max-connections: a raw TCP connection holds the one slot until this many were refused (or 8 s) */
  holdSlot?: { refusals: number };
  /** the stream is cut: how many burst messages got through is not asserted */
  burstCountVaries?: boolean;
  /**
   * Start the scenario once the first probe was answered over a WebSocket, so that a slow start
   * on a busy machine cannot change what the client sees. Only for message faults: transport
   * faults switched in on an open connection do not act (a proxy bug, see the report of #18).
   */
  armAfterProbe?: boolean;
  /** random message faults: socket.io with default transports sends some packets by long-polling, so its counts vary */
  randomMessages?: boolean;
  /** late probes, ms after the first open (watch: is a message sent after the fault answered?) */
  probeAtMs?: number[];
}

const BURST = 40;

export const MATRIX: MatrixScenario[] = [
  { name: 'passthrough', scenario: 'passthrough', kind: 'stream', burst: BURST },
  // --- handshake faults
  { name: 'upgrade-required-426', scenario: 'upgrade-required-426', kind: 'refused' },
  { name: 'proxy-strips-upgrade', scenario: 'proxy-strips-upgrade', kind: 'refused' },
  { name: 'bad-key-400', scenario: 'bad-key-400', kind: 'refused' },
  { name: 'auth-required-401', scenario: 'auth-required-401', kind: 'refused' },
  { name: 'origin-forbidden-403', scenario: 'origin-forbidden-403', kind: 'refused' },
  { name: 'route-missing-404', scenario: 'route-missing-404', kind: 'refused' },
  { name: 'method-not-allowed-405', scenario: 'method-not-allowed-405', kind: 'refused' },
  { name: 'upgrade-error-500', scenario: 'upgrade-error-500', kind: 'refused' },
  { name: 'bad-gateway-502', scenario: 'bad-gateway-502', kind: 'refused' },
  { name: 'unavailable-503', scenario: 'unavailable-503', kind: 'refused' },
  { name: 'bad-accept', scenario: 'bad-accept', kind: 'refused' },
  { name: 'missing-accept', scenario: 'missing-accept', kind: 'refused' },
  { name: 'broken-101', scenario: 'broken-101', kind: 'refused' },
  { name: 'subprotocol-mismatch', scenario: 'subprotocol-mismatch', kind: 'refused', protocols: ['chat.v1'] },
  { name: 'extension-mismatch', scenario: 'extension-mismatch', kind: 'refused' },
  { name: 'handshake-dropped', scenario: 'handshake-dropped', kind: 'refused' },
  {
    name: 'handshake-hang',
    scenario: shortened('handshake-hang', (d) => (d.faults[0]!.closeAfter = '6s')),
    change: 'closeAfter 6s (built-in: 2m)',
    kind: 'refused',
    defaultConnectionTimeout: true,
    deadlineMs: 15_000,
  },
  { name: 'slow-handshake', scenario: 'slow-handshake', kind: 'recovers' },
  { name: 'slow-connect', scenario: 'slow-connect', kind: 'recovers' },
  { name: 'refuse-first-3', scenario: 'refuse-first-3', kind: 'recovers' },
  {
    name: 'too-many-connections',
    scenario: shortened('too-many-connections', (d) => (d.faults[0]!.limit = 1)),
    change: 'limit 1, held by another connection until two connections were refused (built-in: limit 10)',
    kind: 'recovers',
    holdSlot: { refusals: 2 },
  },
  // --- the connection ends
  {
    name: 'abrupt-close',
    scenario: shortened('abrupt-close', (d) => (d.faults[0]!.after = '8s')),
    change: 'after 8s (built-in: 10s)',
    kind: 'drop',
  },
  {
    name: 'connection-reset',
    scenario: shortened('connection-reset', (d) => (d.faults[0]!.after = '8s')),
    change: 'after 8s (built-in: 10s)',
    kind: 'drop',
  },
  {
    name: 'going-away-1001',
    armAfterProbe: true,
    scenario: shortened('going-away-1001', (d) => (d.faults[0]!.after = '2s')),
    change: 'after 2s (built-in: 5s)',
    kind: 'drop',
  },
  {
    name: 'server-restart-1012',
    armAfterProbe: true,
    scenario: shortened('server-restart-1012', (d) => (d.faults[0]!.after = '2s')),
    change: 'after 2s (built-in: 5s)',
    kind: 'drop',
  },
  {
    name: 'rolling-deploy',
    scenario: shortened('rolling-deploy', (d) => {
      d.phases![0]!.duration = '11s';
      Object.assign(d.phases![0]!.faults![0]!, { duration: '5s', jitter: '0ms' });
      d.phases![1]!.duration = '1s';
    }),
    change: 'serving 11s with max-lifetime 5s, draining 1s (built-in: 20s, 30s ± 10s, 5s)',
    kind: 'drop',
  },
  {
    name: 'truncated-stream',
    scenario: shortened('truncated-stream', (d) => (d.faults[0]!.bytes = '512B')),
    change: 'bytes 512B (built-in: 1MiB)',
    kind: 'drop',
    burst: 100,
    burstCountVaries: true,
  },
  {
    name: 'invalid-utf8',
    scenario: 'invalid-utf8',
    kind: (c) => (c === 'gorilla' ? 'stream' : 'drop'),
    burst: 3,
  },
  {
    name: 'oversized-message',
    armAfterProbe: true,
    scenario: 'oversized-message',
    kind: 'oversized',
  },
  // --- heartbeats
  {
    name: 'half-open',
    // Later than the built-in, so that socket.io's long-polling start and upgrade are over on a
    // busy machine before the flow goes silent.
    scenario: shortened('half-open', (d) => (d.faults[0]!.after = '8s')),
    change: 'after 8s (built-in: 5s)',
    heartbeat: true,
    probeAtMs: [9500],
    kind: (c) => (c === 'gorilla' || c.startsWith('socketio') ? 'drop' : 'watch'),
  },
  { name: 'heartbeat-loss', scenario: 'heartbeat-loss', heartbeat: true, probeAtMs: [3500], kind: (c) => (c === 'gorilla' ? 'drop' : 'watch') },
  {
    name: 'lb-idle-timeout',
    // Longer than socket.io's ping interval here (2 s): its pings are data to the LB.
    scenario: shortened('lb-idle-timeout', (d) => (d.faults[0]!.timeout = '4s')),
    change: 'timeout 4s (built-in: 60s)',
    heartbeat: true,
    probeAtMs: [6000],
    kind: (c) => (c.startsWith('socketio') ? 'watch' : 'drop'),
  },
  // --- messages and the network
  { name: 'message-delay', scenario: 'message-delay', kind: 'stream', burst: BURST },
  { name: 'message-duplicates', scenario: 'message-duplicates', kind: 'stream', burst: BURST, randomMessages: true },
  // Lost messages never come: this one always runs to its deadline.
  { name: 'message-loss', scenario: 'message-loss', kind: 'stream', burst: BURST, randomMessages: true, deadlineMs: 10_000 },
  { name: 'message-reorder', scenario: 'message-reorder', kind: 'stream', burst: BURST, randomMessages: true },
  { name: 'fragmented-messages', scenario: 'fragmented-messages', kind: 'stream', burst: BURST },
  { name: 'sticky-packets', scenario: 'sticky-packets', kind: 'stream', burst: BURST },
  { name: 'flaky-network', scenario: 'flaky-network', kind: 'stream', burst: BURST },
  { name: 'mobile-3g', scenario: 'mobile-3g', kind: 'stream', burst: BURST },
];

export function kindOf(s: MatrixScenario, client: ClientName): Kind {
  return typeof s.kind === 'function' ? s.kind(client) : s.kind;
}

/** The session plan for one client in one scenario (url filled in by the caller). */
export function planFor(s: MatrixScenario, client: ClientName, url: string): SessionPlan {
  const kind = kindOf(s, client);
  const reconnecting = RECONNECTING.has(client);
  const polling = client === 'socketio';
  const burst = s.burst ?? 0;
  let until: Until[];
  let deadlineMs = s.deadlineMs ?? 6000;
  let graceMs = 300;
  switch (kind) {
    case 'refused':
      until = reconnecting ? [{ closes: 2, errors: 2 }, ...(polling ? [{ answered: 1, upgrades: 1 }] : [])] : [{ closes: 1 }, { errors: 1 }, { answered: 1 }];
      graceMs = reconnecting ? 300 : 700;
      deadlineMs = s.deadlineMs ?? 20_000;
      break;
    case 'recovers':
      until = [polling ? { answered: 1, upgrades: 1 } : { answered: 1 }, ...(reconnecting ? [] : [{ closes: 1 }, { errors: 1 }])];
      graceMs = reconnecting ? 300 : 700;
      deadlineMs = s.deadlineMs ?? 20_000;
      break;
    case 'drop':
      until = reconnecting ? [{ opens: 2, answered: 2 }] : [{ closes: 1 }, { errors: 1 }];
      graceMs = 500;
      deadlineMs = s.deadlineMs ?? 20_000;
      break;
    case 'stream':
      until = [{ answered: 1, received: burst, ...(polling ? { upgrades: 1 } : {}) }];
      deadlineMs = s.deadlineMs ?? 20_000;
      break;
    case 'watch':
      until = [];
      deadlineMs = 30_000;
      break;
    case 'oversized':
      until = [{ answered: 1, binaries: 1 }, { opens: 2, answered: 2 }];
      deadlineMs = s.deadlineMs ?? 30_000;
      break;
  }
  const plan: SessionPlan = { client, url, until, graceMs, deadlineMs };
  // watch: three seconds past the last late probe, counted from the open
  if (kind === 'watch') plan.endAfterOpenMs = (s.probeAtMs ? Math.max(...s.probeAtMs) : 2000) + 3000;
  if (s.protocols && !client.startsWith('socketio')) plan.protocols = s.protocols;
  if (burst) plan.burst = burst;
  if (s.probeAtMs) plan.probeAtMs = s.probeAtMs;
  // A handshake can take seconds on a busy machine: only handshake-hang shows the 4 s default.
  if ((client === 'partysocket' || client === 'rws') && !s.defaultConnectionTimeout) plan.options = { connectionTimeout: 10_000 };
  if (client === 'gorilla') {
    // DefaultDialer's handshake timeout
    plan.handshakeTimeoutMs = 45_000;
    if (s.heartbeat) Object.assign(plan, { pingPeriodMs: 1000, pongWaitMs: 3000 });
  }
  return plan;
}
