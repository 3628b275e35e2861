import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, startProxy, startWsEcho } from '../helpers/servers.js';
import { openClient } from '../helpers/ws-client.js';

afterEach(closeAll);

describe('nothing is lost in pass-through', () => {
  it('50 connections × 1 000 numbered messages arrive complete and in order', async () => {
    const echo = await startWsEcho();
    const { url } = await startProxy(echo.url);
    const clients = await Promise.all(Array.from({ length: 50 }, () => openClient(url)));
    const received = await Promise.all(
      clients.map(
        (ws, c) =>
          new Promise<number[]>((resolve) => {
            const got: number[] = [];
            ws.on('message', (data) => {
              got.push(Number(String(data).split(':')[1]));
              if (got.length === 1_000) resolve(got);
            });
            for (let i = 0; i < 1_000; i++) ws.send(`${c}:${i}`);
          }),
      ),
    );
    const expected = Array.from({ length: 1_000 }, (_, i) => i);
    for (const got of received) expect(got).toEqual(expected);
    for (const ws of clients) ws.close();
  }, 60_000);
});
