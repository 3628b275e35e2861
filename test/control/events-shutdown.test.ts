import { get, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';
import { openClient } from '../helpers/ws-client.js';

let wsfault: RunningWsfault | null = null;
afterEach(async () => {
  await closeAll();
});

/** Reads an SSE response to its end: the event types in order, and whether it ended. */
function readEvents(res: IncomingMessage) {
  const types: string[] = [];
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
    let at: number;
    while ((at = text.indexOf('\n\n')) >= 0) {
      const type = /^event: (.+)$/m.exec(text.slice(0, at))?.[1];
      if (type) types.push(type);
      text = text.slice(at + 2);
    }
  });
  const ended = new Promise<void>((resolve) => res.once('end', resolve));
  return { types, ended };
}

describe('stopping with a GET /events subscriber connected (the dashboard keeps one open)', () => {
  it('ends the stream after the shutdown\'s own events, and stop() resolves', async () => {
    const echo = await startWsEcho();
    wsfault = await createWsfault({ target: echo.url, seed: 1, api: '127.0.0.1:0' });
    const app = wsfault.app;
    const res = await new Promise<IncomingMessage>((resolve, reject) => get(`${wsfault!.apiUrl}/events`, resolve).on('error', reject));
    const stream = readEvents(res);
    await until(() => app.bus.active && stream.types.length === 0, 'the subscriber to be subscribed');
    const ws = await openClient(app.proxies.get('default')!.proxy.url);
    await until(() => stream.types.includes('connection.open'), 'connection.open on the stream');
    const closedByProxy = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // Before the fix the API's close waited for the never-ending stream: stop() did not resolve.
    const stopped = wsfault.stop(2_000);
    expect(await closedByProxy).toBe(1001);
    await stopped;
    await stream.ended;
    // The subscriber saw the shutdown close the WebSocket before its stream ended.
    expect(stream.types).toContain('connection.close');
    expect(stream.types.indexOf('connection.close')).toBeGreaterThan(stream.types.indexOf('connection.open'));
    wsfault = null;
  });
});
