/**
 * Real Node WebSocket clients driven through one session plan, for the client matrix
 * (npm run test:clients). Plain JavaScript so that a child `node` can run it too:
 *
 *   node [--experimental-websocket] test/clients/node-clients.mjs '<plan as JSON>'
 *
 * prints one JSON line { events, readyState }. In-process, `runSession(plan)` returns the same.
 *
 * Clients: undici (npm undici 7, WebSocket), node-global (Node 20's global WebSocket, needs
 * --experimental-websocket), partysocket (partysocket/ws on ws), rws (reconnecting-websocket on
 * ws), socketio (socket.io-client, default transports) and socketio-ws (transports: ['websocket']).
 *
 * A session: connect; on every open send a probe `p<n>` (the upstream echoes it); after the
 * first open, send the burst `m01…mNN` if asked, and a late probe `late<i>` at each of
 * `probeAtMs` (ms after the first open); record every event the client gives the app;
 * stop once one of the `until` alternatives holds (then wait `graceMs` for trailing events) or
 * at `deadlineMs`; then close the client.
 */

/**
 * @typedef {{ opens?: number, answered?: number, closes?: number, errors?: number, received?: number, upgrades?: number, binaries?: number }} Until
 * @typedef {{ client: string, url: string, protocols?: string[], burst?: number, probeAtMs?: number[],
 *   until: Until[], graceMs?: number, deadlineMs: number, endAfterOpenMs?: number,
 *   options?: Record<string, unknown> }} Plan
 */

const PROBE = /^p\d+$/;
const BURST = /^m\d+$/;

/** Counts of what the app saw so far, for the `until` conditions. */
function counters(events) {
  const c = { opens: 0, answered: 0, closes: 0, errors: 0, received: 0, upgrades: 0, binaries: 0 };
  for (const e of events) {
    if (e.type === 'open') c.opens++;
    else if (e.type === 'message' && typeof e.data === 'string' && PROBE.test(e.data)) c.answered++;
    else if (e.type === 'message' && typeof e.data === 'string' && BURST.test(e.data)) c.received++;
    else if (e.type === 'close' || e.type === 'disconnect') c.closes++;
    else if (e.type === 'connect_error') {
      c.closes++;
      c.errors++;
    } else if (e.type === 'error') c.errors++;
    else if (e.type === 'upgrade' || e.type === 'upgradeError') c.upgrades++;
    if (e.type === 'message' && e.binary) c.binaries++;
  }
  return c;
}

export function satisfied(events, until) {
  const c = counters(events);
  return until.some((alt) => Object.entries(alt).every(([k, v]) => c[k] >= v));
}

function describeData(data) {
  if (typeof data === 'string') return data.length <= 64 ? { data } : { data: `${data.slice(0, 16)}…`, size: data.length, text: true };
  const size = data.byteLength ?? data.size ?? data.length;
  return { binary: true, size };
}

function burstOf(n) {
  return Array.from({ length: n }, (_, i) => `m${String(i + 1).padStart(2, '0')}`);
}

/** Runs one session; resolves with every event the app saw, in order, with ms since the start. */
export async function runSession(plan) {
  const started = performance.now();
  const events = [];
  let finished = false;
  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  let graceTimer = null;
  const check = () => {
    if (finished || graceTimer) return;
    if (satisfied(events, plan.until)) graceTimer = setTimeout(() => resolveDone(), plan.graceMs ?? 300);
  };
  const push = (type, fields = {}) => {
    if (finished) return;
    events.push({ t: Math.round(performance.now() - started), type, ...fields });
    check();
  };
  let deadline = setTimeout(() => resolveDone(), plan.deadlineMs);
  // endAfterOpenMs: the session lasts that long after the first open (late probes are timed from
  // the open, however long the client took to get there).
  const pushed = push;
  let opened = false;
  const pushWithOpen = (type, fields) => {
    if (type === 'open' && !opened && plan.endAfterOpenMs) {
      opened = true;
      clearTimeout(deadline);
      deadline = setTimeout(() => resolveDone(), plan.endAfterOpenMs);
    }
    pushed(type, fields);
  };
  // An uncaught exception would end a real app: the session ends there too.
  const onCrash = (error) => {
    push('crash', { message: error?.message ?? String(error) });
    resolveDone();
  };
  const crashHandler = plan.catchCrashes ? onCrash : null;
  if (crashHandler) {
    process.on('uncaughtException', crashHandler);
    process.on('unhandledRejection', crashHandler);
  }

  const client = await CLIENTS[plan.client](plan, pushWithOpen);
  await done;
  clearTimeout(deadline);
  clearTimeout(graceTimer);
  const readyState = client.readyState();
  finished = true;
  try {
    client.stop();
  } catch {
    /* closing a client that never opened may throw; the session is over */
  }
  // Let the close reach the proxy before the test tears it down.
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (crashHandler) {
    process.off('uncaughtException', crashHandler);
    process.off('unhandledRejection', crashHandler);
  }
  return { events, readyState };
}

/** WHATWG-style clients: undici, Node's global, partysocket, reconnecting-websocket. */
function whatwg(make) {
  return async (plan, push) => {
    const ws = await make(plan);
    let opens = 0;
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('open', () => {
      opens++;
      push('open', ws.protocol ? { protocol: ws.protocol } : {});
      ws.send(`p${opens}`);
      if (opens > 1) return;
      if (plan.burst) for (const m of burstOf(plan.burst)) ws.send(m);
      (plan.probeAtMs ?? []).forEach((ms, i) => setTimeout(() => ws.readyState === 1 && ws.send(`late${i + 1}`), ms));
    });
    ws.addEventListener('message', (e) => push('message', describeData(e.data)));
    ws.addEventListener('error', (e) => {
      const fields = { message: e.message ?? null };
      if (e.error && e.error.message !== e.message) fields.cause = e.error.message ?? String(e.error);
      push('error', fields);
    });
    ws.addEventListener('close', (e) => push('close', { code: e.code, reason: e.reason, wasClean: e.wasClean }));
    return { readyState: () => ws.readyState, stop: () => ws.close() };
  };
}

const reconnectOptions = (plan) => ({
  minReconnectionDelay: 500,
  maxReconnectionDelay: 2000,
  ...plan.options,
});

/** socket.io-client against a server that answers `echo` with `echo`. */
function socketio(websocketOnly) {
  return async (plan, push) => {
    const { io } = await import('socket.io-client');
    const socket = io(plan.url, {
      forceNew: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 2000,
      ...(websocketOnly ? { transports: ['websocket'] } : {}),
      ...(plan.protocols?.length ? { protocols: plan.protocols } : {}),
      ...plan.options,
    });
    let opens = 0;
    let burstSent = !plan.burst;
    const sendBurst = () => {
      if (burstSent || opens === 0) return;
      burstSent = true;
      for (const m of burstOf(plan.burst)) socket.emit('echo', m);
    };
    const watchEngine = () => {
      const engine = socket.io.engine;
      engine.on('upgrade', (transport) => {
        push('upgrade', { transport: transport.name });
        sendBurst();
      });
      engine.on('upgradeError', (error) => {
        push('upgradeError', { message: error.message });
        sendBurst();
      });
    };
    socket.io.on('open', watchEngine);
    socket.io.on('reconnect_attempt', (n) => push('reconnect_attempt', { n }));
    socket.on('connect', () => {
      opens++;
      const transport = socket.io.engine.transport.name;
      push('open', { transport });
      socket.emit('echo', `p${opens}`);
      // With default transports the burst waits for the upgrade (or its failure), so that it
      // travels over the WebSocket when there is one; 4 s at most.
      if (opens > 1) return;
      if (websocketOnly || transport === 'websocket') sendBurst();
      else setTimeout(sendBurst, 4000);
      (plan.probeAtMs ?? []).forEach((ms, i) => setTimeout(() => socket.emit('echo', `late${i + 1}`), ms));
    });
    socket.on('echo', (data) => push('message', describeData(data)));
    socket.on('connect_error', (error) => {
      const fields = { message: error.message };
      const d = error.description;
      if (d !== undefined) fields.description = d?.message ?? (typeof d === 'number' ? d : String(d));
      push('connect_error', fields);
    });
    socket.on('disconnect', (reason, details) => {
      const fields = { reason };
      const d = details?.description ?? details;
      if (d?.message) fields.description = d.message;
      push('disconnect', fields);
    });
    return {
      readyState: () => (socket.connected ? `connected (${socket.io.engine?.transport?.name})` : 'disconnected'),
      stop: () => socket.disconnect(),
    };
  };
}

export const CLIENTS = {
  undici: whatwg(async (plan) => {
    const { WebSocket } = await import('undici');
    return new WebSocket(plan.url, plan.protocols ?? []);
  }),
  'node-global': whatwg(async (plan) => {
    if (typeof globalThis.WebSocket !== 'function') throw new Error('no global WebSocket: run node with --experimental-websocket');
    return new globalThis.WebSocket(plan.url, plan.protocols ?? []);
  }),
  partysocket: whatwg(async (plan) => {
    const [{ default: PartySocket }, { default: WS }] = await Promise.all([import('partysocket/ws'), import('ws')]);
    return new PartySocket(plan.url, plan.protocols?.length ? plan.protocols : undefined, { WebSocket: WS, ...reconnectOptions(plan) });
  }),
  rws: whatwg(async (plan) => {
    const [{ default: RWS }, { default: WS }] = await Promise.all([import('reconnecting-websocket'), import('ws')]);
    return new RWS(plan.url, plan.protocols?.length ? plan.protocols : undefined, { WebSocket: WS, ...reconnectOptions(plan) });
  }),
  socketio: socketio(false),
  'socketio-ws': socketio(true),
};

// As a child process: one plan in, one JSON line out. Crashes are caught and reported.
if (import.meta.url === `file://${process.argv[1]}`) {
  const plan = JSON.parse(process.argv[2]);
  runSession({ ...plan, catchCrashes: true }).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + '\n');
      process.exit(0);
    },
    (error) => {
      process.stderr.write(String(error?.stack ?? error) + '\n');
      process.exit(1);
    },
  );
}
