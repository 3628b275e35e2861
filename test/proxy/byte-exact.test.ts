import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFrame } from '../../src/protocol/frame-encode.js';
import { Opcode } from '../../src/protocol/opcodes.js';
import { closeAll, startProxy, startTcpServer, startWsEcho } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';
import { closed, openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(closeAll);

// Odd spacing and case on purpose: a proxy that re-serialises heads would change them.
const REQUEST =
  'GET /chat?room=1 HTTP/1.1\r\nHost: example.test:7878\r\nupgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Odd-Case:   spaced  value\r\n\r\n';
const RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Server:  raw \r\n\r\n';

describe('pass-through is byte-exact', () => {
  it('forwards the upgrade request, the 101 and frames in both directions unchanged', async () => {
    // Frames from the client: fragmented text with a ping in between, then binary (all masked).
    const clientFrames = Buffer.concat([
      encodeFrame(Opcode.Text, Buffer.from('hel'), true, false),
      encodeFrame(Opcode.Ping, Buffer.from('p'), true),
      encodeFrame(Opcode.Continuation, Buffer.from('lo'), true, true),
      encodeFrame(Opcode.Binary, Buffer.alloc(70_000, 7), true),
    ]);
    const serverFrames = Buffer.concat([encodeFrame(Opcode.Text, Buffer.from('welcome'), false), encodeFrame(Opcode.Binary, Buffer.alloc(300, 1), false)]);

    let received = Buffer.alloc(0);
    const upstream = await startTcpServer((socket) => {
      socket.on('data', (chunk) => {
        const first = received.length === 0;
        received = Buffer.concat([received, chunk]);
        if (first) socket.write(Buffer.concat([Buffer.from(RESPONSE, 'latin1'), serverFrames]));
      });
    });
    const { port } = await startProxy(`ws://127.0.0.1:${upstream.port}`);

    const client = net.connect(port, '127.0.0.1');
    let got = Buffer.alloc(0);
    client.on('data', (chunk) => (got = Buffer.concat([got, chunk])));
    client.write(REQUEST);
    const expectedDown = Buffer.concat([Buffer.from(RESPONSE, 'latin1'), serverFrames]);
    await until(() => got.length >= expectedDown.length, 'the 101 and server frames');
    // Write the frames in awkward pieces: boundaries inside headers and payloads.
    for (let at = 0; at < clientFrames.length; at += 997) client.write(clientFrames.subarray(at, at + 997));
    const expectedUp = Buffer.concat([Buffer.from(REQUEST, 'latin1'), clientFrames]);
    await until(() => received.length >= expectedUp.length, 'the request and client frames');

    expect(received.equals(expectedUp)).toBe(true);
    expect(got.equals(expectedDown)).toBe(true);
    client.destroy();
  });

  it('negotiates permessage-deflate and a subprotocol end to end', async () => {
    const echo = await startWsEcho({ perMessageDeflate: true, handleProtocols: (offered) => [...offered][1] ?? false });
    const { url } = await startProxy(echo.url);
    const ws = await openClient(url + '/ws', ['one', 'two'], { perMessageDeflate: true });
    expect(ws.protocol).toBe('two');
    expect(ws.extensions).toContain('permessage-deflate');
    const big = 'compress me '.repeat(10_000);
    const reply = await roundTrip(ws, big);
    expect(reply.data.toString()).toBe(big);
    ws.close();
  });

  it('echoes text, binary, 1 MiB and fragmented messages intact', async () => {
    const echo = await startWsEcho();
    const { url } = await startProxy(echo.url);
    const ws = await openClient(url);
    expect((await roundTrip(ws, 'héllo ✓')).data.toString()).toBe('héllo ✓');
    const binary = Buffer.from([0, 1, 2, 255, 254]);
    const back = await roundTrip(ws, binary);
    expect(back.isBinary).toBe(true);
    expect(back.data.equals(binary)).toBe(true);
    const mib = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < mib.length; i++) mib[i] = (i * 31) & 0xff;
    expect((await roundTrip(ws, mib)).data.equals(mib)).toBe(true);

    // A message sent as three fragments (fin false, false, true) arrives as one message.
    const whole = new Promise<Buffer>((resolve) => ws.once('message', (data) => resolve(data as Buffer)));
    ws.send('frag-', { fin: false });
    ws.send('men-', { fin: false });
    ws.send('ted', { fin: true });
    expect((await whole).toString()).toBe('frag-men-ted');
    ws.close();
  });

  it('passes close code and reason from client to server and from server to client', async () => {
    const echo = await startWsEcho();
    const serverSaw: { code: number; reason: string }[] = [];
    echo.wss.on('connection', (socket, req) => {
      socket.on('close', (code, reason) => serverSaw.push({ code, reason: reason.toString() }));
      if (req.url === '/server-closes') setTimeout(() => socket.close(4321, 'server says bye'), 50);
    });
    const { url } = await startProxy(echo.url);

    const a = await openClient(url + '/client-closes');
    a.close(4000, 'client says bye');
    await closed(a);
    await until(() => serverSaw.length === 1, 'the server to see the close');
    expect(serverSaw[0]).toEqual({ code: 4000, reason: 'client says bye' });

    const b = new WebSocket(url + '/server-closes');
    expect(await closed(b)).toEqual({ code: 4321, reason: 'server says bye' });
  });
});
