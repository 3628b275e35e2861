import { afterEach, describe, expect, it } from 'vitest';
import { startWsfault, type Wsfault } from '../../src/index.js';
import { WsfaultClient } from '../../src/client/index.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { attemptWs, closed, openClient, roundTrip } from '../helpers/ws-client.js';

let chaos: Wsfault | null = null;
afterEach(async () => {
  await chaos?.close();
  chaos = null;
  await closeAll();
});

describe('startWsfault()', () => {
  it('gives url, apiUrl and seed; use() switches; waitFor() counts events', async () => {
    const echo = await startWsEcho();
    chaos = await startWsfault({ target: echo.url, seed: 7 });
    expect(chaos.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(chaos.seed).toBe(7);
    expect((await new WsfaultClient(chaos.apiUrl!).version()).version).toMatch(/^\d+\.\d+\.\d+/);
    const opened = chaos.waitFor('connection.open', { count: 2 });
    const a = await openClient(chaos.url);
    const b = await openClient(chaos.url);
    expect(await opened).toHaveLength(2);
    expect(chaos.connections()).toHaveLength(2);
    await chaos.use('unavailable-503');
    expect((await attemptWs(chaos.url)).error).toBe('Unexpected server response: 503');
    const done = closed(a);
    expect(chaos.kill(chaos.connections()[0]!.id, { code: 4100 })).toBe(1);
    expect((await done).code).toBe(4100);
    b.close();
  });

  it('addFault/removeFault, on() and the events iterator', async () => {
    const echo = await startWsEcho();
    chaos = await startWsfault({ target: echo.url, api: false });
    expect(chaos.apiUrl).toBeNull();
    const types: string[] = [];
    const off = chaos.on('*', (event) => types.push(event.type));
    const iterator = chaos.events(['handshake']);
    const { id } = await chaos.addFault({ type: 'status', code: 429 });
    expect((await attemptWs(chaos.url)).error).toBe('Unexpected server response: 429');
    expect((await iterator.next()).value).toMatchObject({ type: 'handshake', status: 429, faults: [id] });
    await chaos.removeFault(id);
    const ws = await openClient(chaos.url);
    expect((await roundTrip(ws, 'ok')).data.toString()).toBe('ok');
    await iterator.return!();
    off();
    expect(types).toEqual(expect.arrayContaining(['connection.open', 'handshake', 'fault.applied', 'connection.close']));
    ws.close();
  });

  it('waitFor rejects with what it saw when the timeout passes', async () => {
    chaos = await startWsfault({ api: false });
    await expect(chaos.waitFor('connection.close', { timeout: 100 })).rejects.toThrow("waitFor('connection.close'): saw 0 of 1 within 100 ms");
  });

  it('accepts an inline scenario at start', async () => {
    const echo = await startWsEcho();
    chaos = await startWsfault({ target: echo.url, api: false, scenario: { name: 'inline', faults: [{ type: 'status', code: 451 }] } });
    expect((await attemptWs(chaos.url)).error).toBe('Unexpected server response: 451');
  });
});
