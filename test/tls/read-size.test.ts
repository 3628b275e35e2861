import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSide } from 'ws';
import { cliRunner } from '../helpers/cli.js';
import { delay, until } from '../helpers/wait.js';
import { openClient } from '../helpers/ws-client.js';

const cli = cliRunner();
const servers: WebSocketServer[] = [];
afterEach(async () => {
  cli.killAll();
  for (const wss of servers.splice(0)) {
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
});

/** Read syscalls and the bytes they returned, for one process (Linux /proc/PID/io). */
function reads(pid: number): { calls: number; bytes: number } {
  const fields = Object.fromEntries(
    readFileSync(`/proc/${pid}/io`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(': ') as [string, string]),
  );
  return { calls: Number(fields.syscr), bytes: Number(fields.rchar) };
}

const MESSAGE = 64 * 1024;
const COUNT = 256; // 16 MiB

describe('wss:// bulk: how the proxy reads the TLS socket', () => {
  // Not a timing: the size of the proxy's socket reads is fixed by Node's TLS input buffers. After
  // the ClientHello is put back, a plain TLSSocket reads at most 1 KiB and 16 KiB in turn (8.5 KiB
  // on average at best, whatever the load); with the ClientHello parsed by Node (the terminator's
  // resumeSession listener) every read can take 16 KiB. The upstream holds its reads until the
  // proxy has stopped reading, so the proxy then reads from a full socket buffer.
  it('reads from a full socket average more than 8.5 KiB (the put-back ClientHello does not shrink them)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsfault-read-size-'));
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    servers.push(wss);
    await new Promise((resolve) => wss.once('listening', resolve));
    let received = 0;
    let upstream: ServerSide | undefined;
    wss.on('connection', (ws) => {
      upstream = ws;
      ws.on('message', (data: Buffer) => (received += data.length));
    });
    const p = cli.run(['--target', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, '--listen', '127.0.0.1:0', '--api', 'off', '--tls', '--tls-ca-dir', dir]);
    const [, secure] = await p.waitFor(/and (wss:\/\/127\.0\.0\.1:\d+)\s+->/);
    const client = await openClient(secure!.replace('127.0.0.1', 'localhost'), undefined, { ca: readFileSync(join(dir, 'ca.pem'), 'utf8') });
    await until(() => upstream !== undefined, 'the upstream connection');
    const sideways = (upstream as unknown as { _socket: import('node:net').Socket })._socket;
    sideways.pause();
    const chunk = Buffer.alloc(MESSAGE, 0x5a);
    for (let i = 0; i < COUNT; i++) client.send(chunk, { binary: true });
    // Backpressure from the paused upstream reaches the proxy: its reads stop (three looks in a
    // row see no new byte read).
    const pid = p.child.pid!;
    for (let last = -1, same = 0; same < 3; ) {
      await delay(100);
      const now = reads(pid).bytes;
      same = now === last ? same + 1 : 0;
      last = now;
    }
    const before = reads(pid);
    sideways.resume();
    await until(() => received === COUNT * MESSAGE, 'the whole bulk at the upstream', 60_000);
    const after = reads(pid);
    const calls = after.calls - before.calls;
    const bytes = after.bytes - before.bytes;
    // The proxy read (nearly) all of the bulk in this window, and in reads above the old cap.
    expect(bytes).toBeGreaterThan((COUNT * MESSAGE) / 4);
    expect(bytes / calls).toBeGreaterThan(10 * 1024);
    client.close();
  });
});
