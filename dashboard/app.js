// The wsfault dashboard (SPEC §13). Plain DOM code, no framework and no build step: the file is
// served as it is. It reads the control API (SPEC §5) and follows GET /events (SPEC §6).
// Everything from the API is written with textContent, never as HTML.

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'wsfault.apiToken';
const EVENT_TYPES = ['proxy.listening', 'proxy.stopped', 'connection.open', 'http.request', 'handshake', 'fault.applied', 'fault.skipped', 'connection.close', 'scenario.changed', 'phase.changed', 'upstream.error', 'fault.error'];
const CLOSE_CODES = [
  [1000, 'normal'], [1001, 'going away'], [1008, 'policy'], [1011, 'server error'],
  [1012, 'service restart'], [1013, 'try again later'], [4000, 'application 4000'],
];
const MAX_EVENTS = 500;
const MAX_CLIENTS = 50;
const MAX_CONNECTIONS = 200;

let token = sessionStorage.getItem(TOKEN_KEY);
const state = { proxies: [], scenarios: [], conns: new Map(), events: [], reportMissing: false, clientKeys: new Map() };

class Unauthorized extends Error {}

/** A call to the API with the token, if any; the error body's message on failure. */
async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) throw new Unauthorized('the API refused the token');
  if (!res.ok) {
    const error = new Error(await res.json().then((b) => b.error.message, () => `${method} ${path}: ${res.status}`));
    error.status = res.status;
    throw error;
  }
  return res.status === 204 ? null : res.json();
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
const svg = (tag, attrs = {}, ...children) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  node.append(...children);
  return node;
};
const fmtBytes = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);
const fmtAge = (ms) => (ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.floor(ms / 60_000)} m ${String(Math.floor(ms / 1000) % 60).padStart(2, '0')} s`);
const notice = (text) => {
  $('notice').textContent = text ?? '';
  $('notice').hidden = !text;
};

// ---- proxies and the scenario library ----

async function loadProxies() {
  state.proxies = await api('/proxies');
  const body = $('proxies').tBodies[0];
  body.replaceChildren(
    ...state.proxies.map((p) =>
      el('tr', {}, el('th', { scope: 'row' }, p.name), el('td', {}, `${p.url} → ${p.target}`), el('td', {}, p.scenario + (p.faults.length ? ` + ${p.faults.length} ad-hoc` : '')), el('td', {}, p.phase ?? '–'), el('td', {}, p.enabled ? String(p.connections) : 'disabled')),
    ),
  );
  const select = $('scenario-proxy');
  const chosen = select.value;
  select.replaceChildren(...state.proxies.map((p) => el('option', { value: p.name }, p.name)));
  if (state.proxies.some((p) => p.name === chosen)) select.value = chosen;
  markActiveScenario();
}

async function loadScenarios() {
  const scenarios = await api('/scenarios');
  // Rebuilt only when it changed, so a periodic look keeps the focus and the scroll where they are.
  if (JSON.stringify(scenarios) === JSON.stringify(state.scenarios)) return markActiveScenario();
  state.scenarios = scenarios;
  $('scenarios').replaceChildren(
    ...state.scenarios.map((s) =>
      el('li', {}, el('button', { type: 'button', 'data-scenario': s.name, 'aria-pressed': 'false', onclick: () => useScenario(s.name) }, s.name), el('span', { class: 'description' }, s.description)),
    ),
  );
  markActiveScenario();
}

function markActiveScenario() {
  const proxy = state.proxies.find((p) => p.name === $('scenario-proxy').value);
  for (const button of $('scenarios').querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.scenario === proxy?.scenario));
}

async function useScenario(name) {
  const proxy = $('scenario-proxy').value;
  $('scenario-status').textContent = `switching ${proxy} to ${name}…`;
  try {
    await api(`/proxies/${encodeURIComponent(proxy)}/scenario`, { method: 'PUT', body: { name, apply: $('apply').value } });
    $('scenario-status').textContent = `${proxy} now uses ${name}`;
    await loadProxies();
  } catch (error) {
    $('scenario-status').textContent = `could not switch: ${error.message}`;
  }
}

// ---- live connections ----

async function loadConnections() {
  const fetchedAt = performance.now();
  const lists = await Promise.all(state.proxies.map((p) => api(`/proxies/${encodeURIComponent(p.name)}/connections`).then((cs) => cs.map((c) => ({ ...c, proxy: p.name })), () => [])));
  const seen = new Set();
  const body = $('connections').tBodies[0];
  const all = lists.flat();
  // A row per connection up to a bound: a load test's thousands would make the page crawl.
  for (const c of all.slice(0, MAX_CONNECTIONS)) {
    const key = `${c.proxy}/${c.id}`;
    seen.add(key);
    let entry = state.conns.get(key);
    if (!entry) {
      entry = { row: connectionRow(c) };
      state.conns.set(key, entry);
      body.append(entry.row);
    }
    Object.assign(entry, { info: c, fetchedAt });
    const cells = entry.row.cells;
    // The report knows which client each connection belongs to (--client-key); until it has
    // been fetched, or for a proxy it does not list, the address stands in.
    cells[1].textContent = state.clientKeys.get(key) ?? `${c.client.address}:${c.client.port}`;
    cells[3].textContent = fmtAge(c.ageMs);
    cells[4].textContent = c.state;
    cells[5].textContent = `${fmtBytes(c.bytes.up)} / ${fmtBytes(c.bytes.down)}`;
    cells[6].textContent = `${c.messages.up} / ${c.messages.down}`;
    cells[7].textContent = c.faults.join(', ') || '–';
  }
  for (const [key, entry] of state.conns) {
    if (!seen.has(key)) {
      entry.row.remove();
      state.conns.delete(key);
    }
  }
  $('no-connections').hidden = all.length > 0 && all.length <= MAX_CONNECTIONS;
  $('no-connections').textContent = all.length === 0 ? 'No open connection.' : `${all.length} open connections, the first ${MAX_CONNECTIONS} shown.`;
  $('connections').hidden = state.conns.size === 0;
}

/** A row whose kill controls keep focus while the numbers in it are updated in place. */
function connectionRow(c) {
  const label = `connection ${c.id}`;
  const code = el('select', { 'aria-label': `close code for ${label}` }, ...CLOSE_CODES.map(([n, text]) => el('option', { value: String(n) }, `${n} ${text}`)));
  code.value = '1001';
  const kill = (how) => () => killConnection(c.proxy, c.id, how, code.value);
  return el(
    'tr',
    { 'data-conn': c.id },
    el('th', { scope: 'row' }, c.id),
    el('td', {}, `${c.client.address}:${c.client.port}`),
    el('td', { class: 'path' }, c.path),
    el('td'), el('td'), el('td'), el('td'), el('td'),
    el(
      'td',
      { class: 'kill' },
      code,
      el('button', { type: 'button', 'data-how': 'close-frame', 'aria-label': `close ${label} with the chosen code`, onclick: kill('close-frame') }, 'Close'),
      el('button', { type: 'button', 'data-how': 'fin', 'aria-label': `end ${label} with a FIN`, onclick: kill('fin') }, 'FIN'),
      el('button', { type: 'button', 'data-how': 'rst', 'aria-label': `reset ${label} (RST)`, onclick: kill('rst') }, 'RST'),
    ),
  );
}

async function killConnection(proxy, id, how, code) {
  const query = how === 'close-frame' ? `how=close-frame&code=${code}` : `how=${how}`;
  try {
    await api(`/proxies/${encodeURIComponent(proxy)}/connections/${encodeURIComponent(id)}?${query}`, { method: 'DELETE' });
  } catch (error) {
    notice(`could not kill ${id}: ${error.message}`);
  }
}

/** Ages move every second without asking the API; the numbers are fetched again while any is open. */
function tick(count) {
  const now = performance.now();
  for (const { row, info, fetchedAt } of state.conns.values()) row.cells[3].textContent = fmtAge(info.ageMs + now - fetchedAt);
  if (state.conns.size > 0 && count % 2 === 0) schedule('connections');
  // The library changes without an event (PUT /scenarios, --watch): look again now and then.
  if (count % 15 === 0) schedule('scenarios');
}

// ---- reconnect timeline (GET /report, see schema/report.schema.json) ----

async function loadTimeline() {
  if (state.reportMissing) return;
  let report;
  try {
    report = await api('/report');
  } catch (error) {
    if (error.status !== 404) throw error;
    state.reportMissing = true;
    $('timeline-status').textContent = 'Report not available: this wsfault has no GET /report.';
    return;
  }
  drawTimeline(report);
}

function drawTimeline(report) {
  const clients = report.clients ?? [];
  state.clientKeys = new Map(clients.flatMap((client) => client.attempts.flatMap((a) => a.conns.map((conn) => [`${a.proxy}/${conn}`, client.key]))));
  if (clients.length > 0) schedule('connections');
  const faults = report.faults ?? [];
  const start = report.startedAt;
  let end = report.generatedAt ?? Date.now();
  for (const c of clients) for (const a of c.attempts) end = Math.max(end, a.end ?? a.start);
  const span = Math.max(end - start, 1);
  const x = (t) => (((t - start) / span) * 1000).toFixed(1);
  const shown = clients.slice(0, MAX_CLIENTS);
  $('timeline-status').textContent = clients.length === 0 ? 'No client yet.' : `${clients.length} client(s) over ${fmtAge(span)}${clients.length > shown.length ? `, the first ${shown.length} shown` : ''}.`;
  const rows = shown.map((client) => {
    const marks = client.attempts.map((a) => {
      const width = Math.max(Number(x(a.end ?? end)) - Number(x(a.start)), 3);
      return svg('rect', { x: x(a.start), y: 2, width: width.toFixed(1), height: 16, class: `attempt outcome-${a.outcome}` }, svg('title', {}, document.createTextNode(`${a.outcome}${a.status ? ` ${a.status}` : ''}${a.closeCode ? ` code ${a.closeCode}` : ''} at +${fmtAge(a.start - start)}`)));
    });
    const lines = faults.map((f) => svg('rect', { x: x(f.at), y: 0, width: 2, height: 20, class: 'fault' }, svg('title', {}, document.createTextNode(`${f.type} at +${fmtAge(f.at - start)}`))));
    const counts = {};
    for (const a of client.attempts) counts[a.outcome] = (counts[a.outcome] ?? 0) + 1;
    const summary = `${client.attempts.length} attempt(s): ${Object.entries(counts).map(([o, n]) => `${n} ${o}`).join(', ')}`;
    return el(
      'div',
      { class: 'timeline-row', 'data-client': client.key },
      el('span', { class: 'client', title: client.key }, client.key),
      svg('svg', { viewBox: '0 0 1000 20', preserveAspectRatio: 'none', 'aria-hidden': 'true' }, ...lines, ...marks),
      el('span', { class: 'count', title: summary }, `${client.attempts.length} attempt${client.attempts.length === 1 ? '' : 's'}`),
      el('span', { class: 'sr-only' }, summary),
    );
  });
  $('timeline').replaceChildren(...rows);
  const outcomes = [...new Set(clients.flatMap((c) => c.attempts.map((a) => a.outcome)))];
  $('timeline-legend').replaceChildren(...outcomes.map((o) => el('li', { class: `legend outcome-${o}` }, o)), ...(faults.length ? [el('li', { class: 'legend fault' }, 'fault')] : []));
}

// ---- the event log ----

function describe(e) {
  switch (e.type) {
    case 'connection.open':
      return `${e.conn} from ${e.client.address}:${e.client.port}`;
    case 'connection.close':
      return `${e.conn} by ${e.by}, ${e.how}${e.code !== undefined ? ` ${e.code}` : ''} after ${fmtAge(e.durationMs)}`;
    case 'handshake':
      return `${e.conn} ${e.path} → ${e.status ?? 'no answer'}${e.faults.length ? ` (${e.faults.join(', ')})` : ''}`;
    case 'http.request':
      return `${e.conn} ${e.method} ${e.path} → ${e.status}`;
    case 'fault.applied':
    case 'fault.skipped':
      return `${e.conn ?? ''} ${e.fault.name} (${e.fault.type})${e.reason ? `: ${e.reason}` : ''}`;
    case 'scenario.changed':
    case 'phase.changed':
      return `${e.from ?? '–'} → ${e.to}`;
    default: {
      const { seq, time, type, proxy, ...rest } = e;
      return JSON.stringify(rest);
    }
  }
}

function eventItem(e) {
  return el('li', { class: `event type-${e.type.replace('.', '-')}`, 'data-type': e.type, ...(e.conn ? { 'data-conn': e.conn } : {}) }, el('time', { datetime: e.time }, e.time.slice(11, 23)), el('span', { class: 'type' }, e.type), el('span', { class: 'proxy' }, e.proxy), el('span', { class: 'what' }, describe(e)));
}

function addEventType(type) {
  const select = $('event-type');
  if (![...select.options].some((o) => o.value === type)) select.append(el('option', { value: type }, type));
}

function showEvents() {
  const type = $('event-type').value;
  $('events').replaceChildren(...state.events.filter((e) => !type || e.type === type).reverse().map(eventItem));
}

function onEvent(e) {
  state.events.push(e);
  if (state.events.length > MAX_EVENTS) state.events.shift();
  addEventType(e.type);
  const type = $('event-type').value;
  if (!type || type === e.type) {
    $('events').prepend(eventItem(e));
    if ($('events').children.length > MAX_EVENTS) $('events').lastElementChild.remove();
  }
  if (e.type.startsWith('proxy.') || e.type.endsWith('.changed')) schedule('proxies');
  if (e.type === 'scenario.changed') schedule('scenarios');
  if (e.type.startsWith('connection.') || e.type === 'handshake' || e.type.startsWith('fault.')) {
    schedule('connections');
    schedule('proxies');
    schedule('timeline', 2000);
  }
}

// ---- keeping up: one refresh of each kind at a time, soon after the events that change it ----

const loaders = { proxies: loadProxies, scenarios: loadScenarios, connections: loadConnections, timeline: loadTimeline };
/** Per kind: 'waiting' (its timer is set: that load will see the change) or 'running'. */
const pending = {};
/** Asked for while running: the running load may have read the API before the change, so one more follows. */
const rerun = {};
function schedule(what, delayMs = 100) {
  if (pending[what] === 'running') {
    rerun[what] = true;
    return;
  }
  if (pending[what]) return;
  pending[what] = 'waiting';
  setTimeout(async () => {
    pending[what] = 'running';
    try {
      await loaders[what]();
    } catch (error) {
      if (error instanceof Unauthorized) return askToken('the token was refused');
      notice(error.message);
    } finally {
      pending[what] = null;
      if (rerun[what]) {
        rerun[what] = false;
        schedule(what, delayMs);
      }
    }
  }, delayMs);
}

/**
 * GET /events read with fetch(), not EventSource: EventSource cannot send the Authorization
 * header. Reconnects with backoff and reloads everything it may have missed in between.
 */
async function follow() {
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      const res = await fetch('/events', { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (res.status === 401) return askToken('the token was refused');
      if (!res.ok || !res.body) throw new Error(`GET /events: ${res.status}`);
      $('stream').textContent = 'live';
      delay = 500;
      for (const what of Object.keys(loaders)) schedule(what, 0);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const data = buffer.slice(0, end).split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          buffer = buffer.slice(end + 2);
          if (data) onEvent(JSON.parse(data));
        }
      }
    } catch {
      // the stream broke (wsfault restarted or stopped): try again below
    }
    $('stream').textContent = 'disconnected: retrying…';
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

// ---- start, and the token ----

function askToken(reason) {
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  $('main').hidden = true;
  $('token-form').hidden = false;
  $('token-error').textContent = reason ?? '';
  $('stream').textContent = 'waiting for the API token';
  $('token').focus();
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token').value = '';
  $('token-form').hidden = true;
  start();
});

async function start() {
  try {
    const { version } = await api('/version');
    $('version').textContent = version;
    await loadProxies();
    await loadScenarios();
  } catch (error) {
    if (error instanceof Unauthorized) return askToken(token ? 'the token was refused' : '');
    $('stream').textContent = `cannot reach the API: ${error.message}`;
    return;
  }
  $('main').hidden = false;
  follow();
}

for (const type of EVENT_TYPES) addEventType(type);
$('event-type').addEventListener('change', showEvents);
$('scenario-proxy').addEventListener('change', markActiveScenario);
$('clear-events').addEventListener('click', () => {
  state.events = [];
  showEvents();
});
let ticks = 0;
setInterval(() => tick(++ticks), 1000);
start();
