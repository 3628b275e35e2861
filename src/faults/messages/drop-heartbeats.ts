import Type from '../../schema/type.js';
import { Choice, DirectionParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import { covers, kindOf, PASS } from './units.js';

export const dropHeartbeats = defineFault({
  type: 'drop-heartbeats',
  layer: 'messages',
  summary: 'pings and pongs vanish; clients with a keepalive must notice',
  params: Type.Object({
    kinds: Type.Array(Choice(['ping', 'pong'] as const), { default: ['ping', 'pong'], minItems: 1, uniqueItems: true, description: 'ping, pong' }),
    direction: DirectionParam('both'),
  }),
  explain: (p) => `drops ${p.kinds.join(' and ')} frames ${directionText(p.direction)}`,
  create: (p, ctx) => ({
    // Data messages are never its business: they stream through.
    decide: () => PASS,
    onUnit(unit, direction, next) {
      const kind = kindOf(unit);
      if (unit.kind !== 'control' || !covers(p.direction, direction) || !p.kinds.includes(kind as 'ping')) return next(unit);
      ctx.applied({ direction, kind });
    },
  }),
});
