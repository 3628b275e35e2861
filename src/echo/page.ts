/**
 * The echo test page, self-contained: no asset, not even a favicon, is fetched, so loading it
 * makes no request but itself. The control API serves it at /echo with `proxyPort` set: the page
 * then opens its WebSocket to that port on the host it was loaded from, and the page load never
 * touches the proxy (there it would be a client to every fault). Served by the echo server
 * itself (`proxyPort` null) it connects to whatever served it.
 */
export const echoPage = (proxyPort: number | null = null): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wsfault echo</title>
<link rel="icon" href="data:,">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; }
  fieldset { border: 1px solid #ccc; margin-bottom: 1em; }
  input[type=text] { width: 20em; }
  #url { width: 28em; }
  #state { font-weight: bold; }
  #log { font: 12px/1.4 ui-monospace, monospace; background: #111; color: #ddd; padding: 1em; height: 28em; overflow-y: auto; white-space: pre-wrap; }
  .open { color: #6c6; } .in { color: #8cf; } .out { color: #fc8; } .error, .close-bad { color: #f66; } .close { color: #ccc; }
</style>
</head>
<body>
<h1>wsfault echo</h1>
<p>This page opens a WebSocket through wsfault: it shows what a browser sees under the active scenario.</p>
<fieldset>
  <label>URL <input id="url" type="text"></label>
  <label>Subprotocol <input id="proto" type="text" placeholder="(none)" size="10"></label>
  <button id="connect">Connect</button>
  <button id="close">Close</button>
  <label><input id="reconnect" type="checkbox"> reconnect after close (1 s)</label>
  <span>state: <span id="state">closed</span></span>
</fieldset>
<fieldset>
  <input id="message" type="text" value="hello">
  <button id="send">Send</button>
  <label><input id="every" type="checkbox"> send every second</label>
  <button id="clear">Clear log</button>
</fieldset>
<div id="log" aria-live="polite"></div>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const log = $('log');
  let ws = null;
  let timer = null;
  const line = (cls, text) => {
    const div = document.createElement('div');
    div.className = cls;
    div.textContent = new Date().toISOString().slice(11, 23) + '  ' + text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  };
  const state = (s) => { $('state').textContent = s; };
  const PROXY_PORT = ${JSON.stringify(proxyPort)};
  const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
  $('url').value = new URLSearchParams(location.search).get('ws') || scheme + (PROXY_PORT ? location.hostname + ':' + PROXY_PORT : location.host) + '/ws';
  const connect = () => {
    const url = $('url').value.trim();
    const proto = $('proto').value.trim();
    line('', 'connecting to ' + url + (proto ? ' (subprotocol ' + proto + ')' : ''));
    state('connecting');
    try {
      ws = proto ? new WebSocket(url, proto) : new WebSocket(url);
    } catch (e) {
      line('error', 'error: ' + e.message);
      return;
    }
    const opened = performance.now();
    ws.onopen = () => { state('open'); line('open', 'open  protocol=' + JSON.stringify(ws.protocol) + ' extensions=' + JSON.stringify(ws.extensions)); };
    ws.onmessage = (e) => line('in', '<- ' + (typeof e.data === 'string' ? e.data : '[binary ' + (e.data.size ?? e.data.byteLength) + ' bytes]'));
    ws.onerror = () => line('error', 'error (the browser does not say why here; its console does)');
    ws.onclose = (e) => {
      state('closed');
      const ms = Math.round(performance.now() - opened);
      line(e.code === 1000 ? 'close' : 'close-bad', 'close ' + e.code + (e.reason ? ' "' + e.reason + '"' : '') + ' wasClean=' + e.wasClean + ' after ' + ms + ' ms');
      if ($('reconnect').checked) setTimeout(connect, 1000);
    };
  };
  const send = () => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return line('error', 'not open');
    ws.send($('message').value);
    line('out', '-> ' + $('message').value);
  };
  $('connect').onclick = connect;
  $('close').onclick = () => { $('reconnect').checked = false; if (ws) ws.close(1000, 'closed from the page'); };
  $('send').onclick = send;
  $('message').onkeydown = (e) => { if (e.key === 'Enter') send(); };
  $('every').onchange = (e) => { clearInterval(timer); if (e.target.checked) timer = setInterval(send, 1000); };
  $('clear').onclick = () => { log.textContent = ''; };
  connect();
})();
</script>
</body>
</html>
`;
