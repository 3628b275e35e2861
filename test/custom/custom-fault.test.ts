/**
 * A fault added from outside through the public definition API (what docs/adding-a-fault.md
 * walks through): no core file knows it, yet the core strips compression for it because it
 * declares `changesStream`, and whatever it throws ends only the connection it threw on.
 */
import Type from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defineFault, registerFault, startWsfault, type Wsfault } from 'wsfault';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { attemptWs, openClient, roundTrip } from '../helpers/ws-client.js';

const shout = defineFault({
  type: 'shout-messages',
  layer: 'messages',
  changesStream: true,
  summary: 'text messages toward the client arrive in capitals',
  params: Type.Object({}),
  explain: () => 'upper-cases text messages server→client',
  create: (_p, ctx) => ({
    onUnit(unit, direction, next) {
      if (unit.kind !== 'message' || direction !== 'downstream' || unit.opcode !== 1 || unit.frames.length !== 1) return next(unit);
      const frame = unit.frames[0]!;
      frame.payload = Buffer.from(unit.payload().toString('utf8').toUpperCase());
      frame.raw = null;
      ctx.applied();
      next(unit);
    },
  }),
});

const explode = defineFault({
  type: 'explode-on-upgrade',
  layer: 'handshake',
  summary: 'throws on upgrade requests whose path is /boom',
  params: Type.Object({ when: Type.String({ default: 'request' }) }),
  explain: () => 'throws',
  create: (p) => {
    if (p.when === 'create') throw new Error('create() failed on purpose');
    return {
      onRequest: (request) => {
        if (request.target === '/boom') throw new Error('hook failed on purpose');
      },
    };
  },
});

registerFault(shout);
registerFault(explode);

let chaos: Wsfault | null = null;
afterEach(async () => {
  await chaos?.close();
  chaos = null;
  await closeAll();
});

describe('a fault added through the public definition API', () => {
  it('is refused twice and validated like a built-in one', async () => {
    expect(() => registerFault(shout)).toThrow(/exists already/);
    const echo = await startWsEcho();
    chaos = await startWsfault({ target: echo.url, api: false });
    await expect(chaos.use({ name: 'bad', faults: [{ type: 'shout-messages', loud: true }] })).rejects.toThrow(/loud/);
  });

  it('changes messages, and the core strips permessage-deflate because it declares changesStream', async () => {
    const echo = await startWsEcho({ perMessageDeflate: true });
    chaos = await startWsfault({ target: echo.url, api: false, scenario: { name: 'shouting', faults: [{ type: 'shout-messages' }] } });
    const ws = await openClient(chaos.url, undefined, { perMessageDeflate: true });
    expect(ws.extensions).toBe('');
    expect((await roundTrip(ws, 'hello')).data.toString()).toBe('HELLO');
    ws.close();
  });

  it('a hook that throws resets that connection only, with a fault.error naming the fault', async () => {
    const echo = await startWsEcho();
    chaos = await startWsfault({ target: echo.url, api: false, scenario: { name: 'fragile', faults: [{ name: 'bomb', type: 'explode-on-upgrade' }] } });
    const healthy = await openClient(chaos.url);
    const failed = await attemptWs(`${chaos.url}/boom`);
    expect(failed.opened).toBe(false);
    const [event] = await chaos.waitFor('fault.error', { since: 0 });
    expect(event).toMatchObject({ fault: { name: 'bomb', type: 'explode-on-upgrade' }, error: 'hook failed on purpose' });
    expect((await chaos.waitFor('connection.close', { since: 0, where: (e) => e.conn === event!.conn }))[0]).toMatchObject({ by: 'proxy', how: 'rst' });
    expect((await roundTrip(healthy, 'still here')).data.toString()).toBe('still here');
    healthy.close();
  });

  it('a create() that throws resets that connection only', async () => {
    const echo = await startWsEcho();
    chaos = await startWsfault({ target: echo.url, api: false, scenario: { name: 'fragile', faults: [{ name: 'bad-create', type: 'explode-on-upgrade', when: 'create', match: { path: '/boom' } }] } });
    const failed = await attemptWs(`${chaos.url}/boom`);
    expect(failed.opened).toBe(false);
    const [event] = await chaos.waitFor('fault.error', { since: 0 });
    expect(event).toMatchObject({ fault: { name: 'bad-create', type: 'explode-on-upgrade' }, error: 'create() failed on purpose' });
    const ws = new WebSocket(`${chaos.url}/fine`);
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    ws.close();
  });
});
