// The bench's upstream, in its own process: a ws server that echoes text and binary, and counts
// (without echoing) binary messages on /sink, answering a text "count" with the bytes received.
// Reports {port} over IPC once listening.
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024, clientTracking: false });
wss.on('connection', (ws, req) => {
  const sink = req.url === '/sink';
  let bytes = 0;
  ws.on('message', (data, isBinary) => {
    if (!sink) return ws.send(data, { binary: isBinary });
    if (isBinary) bytes += data.length;
    else ws.send(String(bytes));
  });
  ws.on('error', () => {});
});
wss.on('listening', () => process.send?.({ port: wss.address().port }));
process.on('disconnect', () => process.exit(0));
