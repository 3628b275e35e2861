import Type from '../../schema/type.js';
import { DirectionParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import type { Stage } from '../hooks.js';
import { perDirection } from './directions.js';

/**
 * A path that silently drops every packet: data, FIN and RST alike. While it is in force the
 * peer on the far side learns nothing, not even that the other end has gone (a firewall or NAT
 * that lost its state); when its `for` ends, an end it swallowed goes on.
 */
const swallowAll: Stage = Object.assign(() => [], { holdsEnd: () => true });

export const blackhole = defineFault({
  type: 'blackhole',
  layer: 'transport',
  summary: 'half-open: nothing is forwarded, not even FIN or RST; sockets stay open',
  params: Type.Object({ direction: DirectionParam('both') }),
  explain: (p) => `forwards nothing ${directionText(p.direction)}, not even a close (half-open)`,
  create: (p, ctx) => ({
    stages: perDirection(p.direction, () => swallowAll),
    // Reported when it begins, whether or not traffic is there to drop.
    start: () => ctx.applied({ direction: p.direction }),
  }),
});
