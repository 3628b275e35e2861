import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ClientOutcome } from './clients.js';
import { CLIENT_TITLES, CLIENTS, type ClientName } from './matrix.js';
import { MATRIX } from './matrix-scenarios.js';

/** docs/clients.md, written by `npm run docs:clients` from the rows the client tests leave. */

export interface Round1Row {
  name: string;
  ws: ClientOutcome;
  chromium: ClientOutcome;
  python: ClientOutcome;
  note?: string;
}

export interface Round2Row {
  scenario: string;
  change?: string;
  client: ClientName;
  text: string;
  timing: string | null;
}

/** What a user of each client should know first: the surprises the matrix shows. */
const NOTES: Record<ClientName, { driven: string; surprises: string[]; first: string }> = {
  socketio: {
    driven: 'against a socket.io 4 server that answers `echo` with `echo`; `reconnectionDelay: 500`, `reconnectionDelayMax: 2000` (defaults 1000 and 5000), other options default.',
    surprises: [
      'A refused or broken WebSocket upgrade does not reach your app: it gets `connect` over HTTP long-polling and its messages are answered. Only the engine says `upgradeError` ("probe error: Error: websocket error"). Check `socket.io.engine.transport.name` if you need the WebSocket.',
      'Close codes are invisible: a server close with 1001 or 1012, a FIN and a RST all arrive as `disconnect` "transport close". It reconnects after each.',
      'Long-polling holds two or three TCP connections at once, so a connection limit (`too-many-connections` with limit 1) keeps it out for good, and a connect delay (`slow-connect`) costs it once per request.',
      'Heartbeats are engine.io text packets, not WebSocket pings: `heartbeat-loss` does nothing to it, `lb-idle-timeout` (pings do not count as activity there) never fires because its pings are data, and `half-open` ends in `disconnect` "ping timeout" after pingInterval + pingTimeout (here 2 s + 3 s; the defaults are 25 s + 20 s, so 45 s).',
      'A 16 MiB binary message it did not expect (`oversized-message`) is a `disconnect` "parse error", then a reconnect.',
      'A corrupted answer to the upgrade probe (`invalid-utf8`) keeps it on long-polling; a late one (`message-delay`, `message-reorder`) only delays the upgrade.',
    ],
    first: '`upgrade-required-426` (does your app notice it is on long-polling?), `half-open` (are pingInterval and pingTimeout short enough?), `server-restart-1012`, `message-loss` (socket.io does not resend).',
  },
  'socketio-ws': {
    driven: "as above with `transports: ['websocket']`.",
    surprises: [
      'Every handshake fault is a `connect_error` whose message is only "websocket error"; the reason (`Unexpected server response: 426`, `Invalid Sec-WebSocket-Accept header`…) is in `error.description.message`. It retries with backoff (reconnectionDelay × 2ⁿ ± 50 %, capped) for ever, 4xx included.',
      'A protocol error on the first packets (`invalid-utf8`) gives `connect_error` and then `disconnect` "transport error" although `connect` never came, and because the engine did open, the backoff restarts at attempt 1 each time: a steady reconnect loop.',
      'Close codes are invisible (`disconnect` "transport close"), as with default transports; heartbeats as above.',
      'The connect timeout is 20 s (`timeout`): a hung handshake (`handshake-hang`) ends only when the proxy closes it ("socket hang up") or after 20 s.',
    ],
    first: '`upgrade-required-426` (how fast does it retry a 4xx?), `invalid-utf8`, `half-open`, `server-restart-1012`.',
  },
  partysocket: {
    driven: "`partysocket/ws` with `WebSocket: require('ws')`, `minReconnectionDelay: 500`, `maxReconnectionDelay: 2000` (defaults 3000 and 10000), `connectionTimeout: 10000` except in `handshake-hang` (default 4000, kept there), other options default.",
    surprises: [
      'A failed handshake is reported as `close` 1000 "unknown reason" **before** the `error` that says why (the error message is ws\'s: `Unexpected server response: 426`). Code that treats 1000 as "closed on purpose" is misled.',
      'A protocol error after open (`invalid-utf8`) is also a `close` 1000 then an `error`: the app never sees 1006 or 1007.',
      'In Node every close event says `wasClean: true`, and an empty reason becomes "unknown reason", even for a 1006 after a FIN or RST.',
      'It reconnects after every close, a server 1000 or 1001 included (use `shouldReconnectOnClose` to decide), and retries a 4xx for ever.',
      'No heartbeat: a half-open connection (`half-open`) is never noticed; a message sent into it is not answered and nothing is reported. Send your own ping message.',
      'A hung handshake ends after `connectionTimeout` (4 s) with `close` 1000 "timeout" and `error` "TIMEOUT", then a retry.',
    ],
    first: '`half-open` (add an application heartbeat), `upgrade-required-426` (the close 1000 first), `invalid-utf8`, `going-away-1001`.',
  },
  rws: {
    driven: "`reconnecting-websocket` with `WebSocket: require('ws')`, `minReconnectionDelay: 500`, `maxReconnectionDelay: 2000` (defaults 1000–5000, random, and 10000), `connectionTimeout: 10000` except in `handshake-hang` (default 4000, kept there), other options default; run in a child process.",
    surprises: [
      '**A hung handshake crashes a Node process**: when `connectionTimeout` (4 s) fires it reports `close` 1000 "timeout" and `error` "TIMEOUT", and then ws throws an unhandled `error` "WebSocket was closed before the connection was established" (pladaria/reconnecting-websocket#183). Run `handshake-hang` against your app.',
      'Like partysocket: a failed handshake or a protocol error is a `close` 1000 before the `error`; it reconnects after every close and retries a 4xx for ever; no heartbeat, so `half-open` goes unnoticed.',
      'Unlike partysocket, a 1006 close keeps `wasClean: false` and an empty reason.',
    ],
    first: '`handshake-hang`, `half-open`, `upgrade-required-426`, `server-restart-1012`.',
  },
  undici: {
    driven: '`new (require(\'undici\').WebSocket)(url, protocols)`, the WHATWG API; no options.',
    surprises: [
      'Every handshake failure is an `error` whose message is empty (undici#4735) and a `close` 1006: the app cannot tell a 426 from a bad Accept or a reset. Log the status at the server or the proxy.',
      'A 401 with WWW-Authenticate makes it send the upgrade twice (`auth-required-401`: the proxy counts 2 upgrade requests).',
      'No handshake timeout: a hung handshake (`handshake-hang`) waits until the peer closes (2 min with the built-in scenario).',
      'After open, a close frame arrives as sent (code and reason); a FIN, RST or protocol error is an empty `error` and `close` 1006. It never reconnects and has no heartbeat: `half-open` goes unnoticed.',
    ],
    first: '`handshake-hang` (add your own timeout), `half-open`, `server-restart-1012` (your reconnect logic), `upgrade-required-426`.',
  },
  'node-global': {
    driven: "Node 20's global `WebSocket` (`node --experimental-websocket`, undici 6.x inside), run in a child process; no options.",
    surprises: [
      '**After a failed handshake `close` never fires**: the app gets one `error` (with a useful message: "Received network error or non-101 status code.", "Incorrect hash received in Sec-WebSocket-Accept header.", "Protocol was not set in the opening handshake." …) and `readyState` stays 0 (CONNECTING) for good. Code that reconnects on `close` never reconnects.',
      'Some faults give no event at all: a 101 without Upgrade and Connection (`broken-101`), and sometimes a connection reset at accept (`refuse-first-3`).',
      'Invalid UTF-8 (`invalid-utf8`) can give one `error` per frame already received before the `close` 1006.',
      'After open it behaves like undici 7 (close code and reason as sent, 1006 on FIN or RST); no reconnect, no heartbeat.',
    ],
    first: '`upgrade-required-426` and `broken-101` (does your app ever give up waiting?), `half-open`, `server-restart-1012`.',
  },
  gorilla: {
    driven: 'a Go program (test/clients/gorilla/main.go) with `websocket.Dialer{HandshakeTimeout: 45 s}` (as DefaultDialer); in the heartbeat scenarios the chat example\'s pattern: a ping every 1 s, a read deadline of 3 s pushed on by each pong.',
    surprises: [
      'Every status, Accept or 101 fault is the same `websocket: bad handshake`; the status is in the `*http.Response` Dial returns.',
      '**It accepts a subprotocol it never offered** (`subprotocol-mismatch`: `Subprotocol()` returns "wsfault.v0") and **delivers invalid UTF-8** as a text message (`invalid-utf8`): validate in your code.',
      'A FIN is a `*websocket.CloseError` 1006 "unexpected EOF", a RST a `*net.OpError` "connection reset by peer": handle both.',
      'With the ping/read-deadline heartbeat, `half-open` and `heartbeat-loss` end in an i/o timeout; but pings do not keep a load balancer that counts only data (`lb-idle-timeout`) from dropping the connection.',
      'It never reconnects by itself.',
    ],
    first: '`subprotocol-mismatch`, `invalid-utf8`, `half-open` (is your read deadline set?), `lb-idle-timeout`.',
  },
};

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const pkg = (name: string) => {
    try {
      return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      // partysocket does not export its package.json
      return (JSON.parse(readFileSync(`node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
    }
  };
  const run = (cmd: string, args: string[]) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  return {
    node: process.version,
    nodeUndici: process.versions.undici ?? '?',
    socketio: `${pkg('socket.io-client')} (server ${pkg('socket.io')})`,
    partysocket: pkg('partysocket'),
    rws: pkg('reconnecting-websocket'),
    undici: pkg('undici'),
    ws: pkg('ws'),
    gorilla: run('dpkg-query', ['-W', '-f', '${Version}', 'golang-github-gorilla-websocket-dev']),
    go: run('go', ['version']).replace(/^go version /, ''),
  };
}

const escape = (s: string) => s.replace(/\|/g, '\\|');

export function clientsDoc(round1: Round1Row[], round2: Round2Row[]): string {
  const v = versions();
  const cell = (o: ClientOutcome) =>
    o.opened ? `opens${o.openedAfterMs ? ` (${(o.openedAfterMs / 1000).toFixed(1)} s)` : ''}` : `${o.error ?? '(no error)'}${o.status ? ` ${o.status}` : ''}${o.closeCode ? `, close ${o.closeCode}` : ''}`;
  const byClient = new Map<ClientName, Map<string, Round2Row>>();
  for (const row of round2) {
    if (!byClient.has(row.client)) byClient.set(row.client, new Map());
    byClient.get(row.client)!.set(row.scenario, row);
  }
  const lines = [
    '# What clients see',
    '',
    '<!-- Generated by `npm run docs:clients` from the client suite (test/clients/). Do not edit by hand. -->',
    '',
    'Every row below was produced by a real client talking through wsfault to a real server on',
    '127.0.0.1, and is asserted by `npm run test:clients` (CI runs it), so it is what your app will',
    'see with these versions.',
    '',
    '- [Browsers, ws and Python: the handshake scenarios](#browsers-ws-and-python-the-handshake-scenarios)',
    ...CLIENTS.map((c) => `- [${CLIENT_TITLES[c]}](#${CLIENT_TITLES[c].toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')})`),
    '',
    '## Browsers, ws and Python: the handshake scenarios',
    '',
    'Each built-in handshake scenario, through wsfault to a real ws server. ws is the Node `ws`',
    `client ${v.ws} (its error message); Chromium is Debian's Chromium driven by playwright-core (the`,
    "reason its console gives, and the close code the page's WebSocket gets); Python is Debian's",
    'python3-websockets (the exception class, with the status where there is one).',
    '',
    '| scenario | ws | Chromium | Python websockets | note |',
    '|---|---|---|---|---|',
    ...round1.map((r) => `| \`${r.name}\` | ${escape(cell(r.ws))} | ${escape(cell(r.chromium))} | ${escape(cell(r.python))} | ${r.note ?? ''} |`),
    '',
    '## Reconnecting wrappers, socket.io, undici, Node and Go: every built-in scenario',
    '',
    `Versions: socket.io-client ${v.socketio}; partysocket ${v.partysocket}; reconnecting-websocket ${v.rws};`,
    `undici ${v.undici}; Node ${v.node} (its WebSocket is undici ${v.nodeUndici}); gorilla/websocket ${v.gorilla} built with`,
    `${v.go} (Debian). The upstream is a ws echo server, or for socket.io a socket.io server that`,
    'echoes `echo` events; wsfault runs with seed 1.',
    '',
    'How to read a row: events in the order the app got them, joined by →. `echo` means the probe',
    'the test sends on every open was answered; `late echo` that a second probe, sent seconds',
    'later, was; `N/40 back` is how much of a burst of 40 messages came back. `unclean` is',
    '`wasClean: false`. After ⟳ comes what a reconnecting client did next: "retries" (it tried',
    'again and failed again), or "reconnects → open → echo" (a later connection opened and',
    'answered). Times are from one run, for orientation only (the test does not assert them).',
    '',
    'Scenarios with long timings run with shorter ones here (the scenario column says how); the',
    'heartbeat scenarios configure the client\'s own heartbeat where it has one.',
    '',
  ];
  const changes = new Map(MATRIX.map((s) => [s.name, s.change]));
  for (const client of CLIENTS) {
    const note = NOTES[client];
    const rows = byClient.get(client);
    lines.push(`## ${CLIENT_TITLES[client]}`, '', `How it was driven: ${note.driven}`, '', '**What your client will do**', '');
    for (const s of note.surprises) lines.push(`- ${s}`);
    lines.push('', `Run these first: ${note.first}`, '');
    lines.push('| scenario | what the app sees | this run |', '|---|---|---|');
    for (const s of MATRIX) {
      const row = rows?.get(s.name);
      const change = changes.get(s.name);
      lines.push(`| \`${s.name}\`${change ? `, ${escape(change)}` : ''} | ${row ? escape(row.text) : '(not run)'} | ${row?.timing ? escape(row.timing) : ''} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
