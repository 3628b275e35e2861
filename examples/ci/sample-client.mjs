// The sample client of docs/ci.md: connects, sends a message on every open, reconnects when the
// connection ends. `good` waits 200 ms doubling up to 2 s with ±30 % jitter; `naive` retries at
// once. Usage: node sample-client.mjs URL good|naive SECONDS
import WebSocket from 'ws';

const [url, mode = 'good', seconds = '3'] = process.argv.slice(2);
const until = Date.now() + Number(seconds) * 1000;
let failures = 0;

function open() {
  if (Date.now() > until) return;
  const ws = new WebSocket(url);
  ws.on('open', () => {
    failures = 0;
    ws.send('hello');
  });
  ws.on('error', () => {});
  ws.on('close', () => {
    const wait = mode === 'naive' ? 0 : Math.min(2000, 200 * 2 ** failures++) * (0.7 + Math.random() * 0.6);
    setTimeout(open, wait);
  });
}
open();
setTimeout(() => process.exit(0), Number(seconds) * 1000 + 200);
