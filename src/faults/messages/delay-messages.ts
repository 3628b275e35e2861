import Type from 'typebox';
import { Duration } from '../../scenario/units.js';
import { DirectionParam, JitterParam, MessageKinds } from '../common.js';
import { defineFault, directionText, ms } from '../define.js';
import { jittered } from '../transport/directions.js';
import { covers, kindOf } from './units.js';

export const delayMessages = defineFault({
  type: 'delay-messages',
  layer: 'messages',
  summary: 'messages arrive late; order kept unless reorder',
  params: Type.Object({
    delay: Duration({ description: 'added delay per message' }),
    jitter: JitterParam(),
    direction: DirectionParam('both'),
    kinds: MessageKinds(),
    reorder: Type.Boolean({ default: false, description: 'let a message overtake a later-delayed one' }),
  }),
  explain: (p) => `delays ${p.kinds.join('/')} messages ${ms(p.delay)}${p.jitter ? ` ± ${ms(p.jitter)}` : ''} ${directionText(p.direction)}${p.reorder ? ', order not kept' : ''}`,
  create: (p, ctx) => {
    const random = { upstream: ctx.stream('upstream'), downstream: ctx.stream('downstream') };
    // In order: each message leaves no earlier than the one before it.
    const last = { upstream: 0, downstream: 0 };
    let reported = false;
    return {
      onUnit(unit, direction, next) {
        if (unit.kind !== 'message' || !covers(p.direction, direction) || !p.kinds.includes(kindOf(unit) as 'text')) return next(unit);
        const delay = jittered(p.delay, p.jitter, random[direction]);
        const now = performance.now();
        const at = p.reorder ? now + delay : Math.max(last[direction], now + delay);
        last[direction] = Math.max(last[direction], at);
        if (!reported) {
          reported = true;
          ctx.applied({ delayMs: p.delay, jitterMs: p.jitter });
        }
        setTimeout(() => next(unit), at - now);
      },
    };
  },
});
