import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stage, TransportHooks } from '../../src/faults/hooks.js';
import type { FaultInstance } from '../../src/proxy/fault-instances.js';
import { TransportLayer } from '../../src/proxy/transport-layer.js';
import type { ClientLink } from '../../src/transport/client-link.js';
import { destroySocketPairs, socketPair } from '../helpers/sockets.js';
import { until } from '../helpers/wait.js';

afterEach(destroySocketPairs);

function fault(name: string, hooks: TransportHooks, spec: Record<string, unknown> = {}): FaultInstance<'transport'> {
  return { name, type: name, layer: 'transport', hooks, spec: { name, type: name, layer: 'transport', params: {}, ...spec }, context: null as never, changesStream: false, compression: 'strip' } as unknown as FaultInstance<'transport'>;
}

function rig(far: Socket) {
  const links: ClientLink[] = [];
  const layer = new TransportLayer({
    socket: far,
    openedAt: performance.now(),
    useLink: (link) => links.push(link),
    control: () => ({}) as never,
    peerReset: () => {},
    cut: () => {},
  });
  return { layer, links };
}

const swallow: Stage = Object.assign(() => [], { holdsEnd: () => true });

describe('TransportLayer', () => {
  it('links the socket only when a fault has stages or a start', async () => {
    const { far } = await socketPair();
    const { layer, links } = rig(far);
    layer.install([fault('admit-only', { admit: () => null }), fault('dial-only', { beforeDial: async () => {} })], true);
    expect(links).toHaveLength(0);
    layer.install([fault('shaping', { stages: { downstream: (p) => [p] } })], true);
    layer.install([fault('shaping-2', { stages: { upstream: (p) => [p] } })], true);
    expect(links).toHaveLength(1);
    expect(links[0]!.up.stages).toHaveLength(1);
    expect(links[0]!.down.stages).toHaveLength(1);
  });

  it('a stage outside its window passes pieces unchanged', async () => {
    const { near, far } = await socketPair();
    const { layer, links } = rig(far);
    // Its window starts an hour from now: nothing is dropped yet.
    layer.install([fault('later', { stages: { downstream: swallow } }, { after: 3_600_000 })], true);
    const received: Buffer[] = [];
    near.on('data', (c) => received.push(c));
    links[0]!.write(Buffer.from('passes'));
    await until(() => Buffer.concat(received).toString() === 'passes', 'the bytes arrived');
    expect(links[0]!.down.stages[0]!.holdsEnd!(performance.now())).toBe(false);
  });

  it('an end a stage holds goes on when replace() takes the stage away', async () => {
    const { near, far } = await socketPair();
    const { layer, links } = rig(far);
    layer.install([fault('hole', { stages: { downstream: swallow } })], true);
    let ended = false;
    near.on('end', () => (ended = true));
    near.resume();
    links[0]!.relayEnd();
    await new Promise((r) => setTimeout(r, 100));
    expect(ended).toBe(false);
    expect(links[0]!.down.holdingEnd).toBe(true);
    layer.replace([]);
    await until(() => ended, 'the held FIN reached the peer');
  });

  it('the proxy’s own end is never held', async () => {
    const { near, far } = await socketPair();
    const { layer, links } = rig(far);
    layer.install([fault('hole', { stages: { downstream: swallow } })], true);
    let ended = false;
    near.on('end', () => (ended = true));
    near.resume();
    links[0]!.end();
    await until(() => ended, 'the FIN reached the peer');
  });
});
