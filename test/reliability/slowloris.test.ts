import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startProxy, startWsEcho } from '../helpers/servers.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(closeAll);

describe('slowloris', () => {
  it('100 connections trickling header bytes are closed by the head timeout (408); a healthy client is served meanwhile', async () => {
    const echo = await startWsEcho();
    const { port, url } = await startProxy(echo.url, { limits: { headTimeoutMs: 1_500 } });
    const answers: Promise<string>[] = [];
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; i < 100; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      answers.push(new Promise((resolve) => socket.on('close', () => resolve(text))));
      socket.write('GET / HTTP/1.1\r\n');
      // One header byte every 100 ms: never a complete head.
      let n = 0;
      timers.push(setInterval(() => socket.writable && socket.write(`X-${n++}: y\r\n`.slice(0, 1)), 100));
    }
    const ws = await openClient(url);
    const rtts: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await roundTrip(ws, `healthy ${i}`);
      rtts.push(performance.now() - t);
    }
    const all = await Promise.all(answers);
    for (const t of timers) clearInterval(t);
    for (const text of all) expect(text).toMatch(/^HTTP\/1\.1 408 /);
    // Served while 100 slow clients were open: every round trip completed, the median quickly.
    expect(rtts).toHaveLength(50);
    expect([...rtts].sort((a, b) => a - b)[25]).toBeLessThan(50);
    ws.close();
  }, 20_000);
});
