import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadScenarioObject } from '../../src/scenario/load.js';
import { startWsfault, stopApps } from '../helpers/app.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { startTlsWsfault, stopTlsApps } from '../helpers/tls.js';

afterEach(async () => {
  await stopApps();
  await stopTlsApps();
});
afterAll(closeAll);

/** One upgrade: the status it got (101 when it opened). */
function upgrade(url: string, options: WebSocket.ClientOptions = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.on('open', () => {
      ws.close(1000);
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      ws.terminate();
      resolve(res.statusCode!);
    });
    ws.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const scenario = (match: object) => ({ name: 'arrival', faults: [{ type: 'status', code: 426, match }] });

describe('match on what is known at accept: connection ordinals and the listener', () => {
  it('connections "2-3" touches exactly the second and third connections', async () => {
    const echo = await startWsEcho();
    const w = await startWsfault(echo.url, scenario({ connections: '2-3' }));
    const seen: (number | string)[] = [];
    for (let i = 0; i < 5; i++) seen.push(await upgrade(w.url));
    expect(seen).toEqual([101, 426, 426, 101, 101]);
  });

  it('"4-" is open-ended and "1" is one connection', async () => {
    const echo = await startWsEcho();
    const open = await startWsfault(echo.url, scenario({ connections: '4-' }));
    const seen: (number | string)[] = [];
    for (let i = 0; i < 6; i++) seen.push(await upgrade(open.url));
    expect(seen).toEqual([101, 101, 101, 426, 426, 426]);
    const one = await startWsfault(echo.url, scenario({ connections: '1' }));
    expect([await upgrade(one.url), await upgrade(one.url)]).toEqual([426, 101]);
  });

  it('listener matches the proxy by name or by its listen address', async () => {
    const echo = await startWsEcho();
    const byName = await startWsfault(echo.url, scenario({ listener: 'default' }));
    expect(await upgrade(byName.url)).toBe(426);
    const other = await startWsfault(echo.url, scenario({ listener: 'payments' }));
    expect(await upgrade(other.url)).toBe(101);
    const byAddress = await startWsfault(echo.url, scenario({ listener: `127.0.0.1:${(await startWsfault(echo.url)).port}` }));
    expect(await upgrade(byAddress.url)).toBe(101);
    const samePort = await startWsfault(echo.url, 'passthrough');
    samePort.app.use('default', scenario({ listener: `*:${samePort.port}` }));
    expect(await upgrade(samePort.url)).toBe(426);
  });

  it('a TLS fault may match connections and listener: the first wss:// attempt is reset, the second echoes', async () => {
    const echo = await startWsEcho();
    const w = await startTlsWsfault(echo.url, { name: 'first-reset', faults: [{ type: 'tls-handshake', how: 'reset', match: { connections: '1', listener: 'default' } }] });
    expect(await upgrade(w.wss, { ca: w.ca })).toBe('ECONNRESET');
    expect(await upgrade(w.wss, { ca: w.ca })).toBe(101);
  });

  it('the validator locates a malformed range and allows both keys on TLS faults', () => {
    const problems = (s: object) => {
      try {
        loadScenarioObject(s, 'inline');
        return [];
      } catch (error) {
        return ((error as { details: { path: string; message: string }[] }).details).map((p) => `${p.path}: ${p.message}`);
      }
    };
    expect(problems(scenario({ connections: '0-2' }))).toEqual([expect.stringMatching(/^faults\[0\]\.match\.connections: /)]);
    expect(problems(scenario({ connections: 'first' }))).toEqual([expect.stringMatching(/^faults\[0\]\.match\.connections: /)]);
    expect(problems({ name: 't', faults: [{ type: 'tls-handshake', how: 'reset', match: { connections: '2-', listener: 'default', sni: '*.test' } }] })).toEqual([]);
    expect(problems({ name: 't', faults: [{ type: 'tls-handshake', how: 'reset', match: { path: '/x' } }] })).toEqual([expect.stringMatching(/match only on sni, client, listener or connections, not path/)]);
  });
});
