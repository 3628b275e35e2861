import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { DirectionParam, JitterParam, MessageKinds } from '../common.js';
import { defineFault, directionText, ms } from '../define.js';
import { jittered } from '../transport/directions.js';
import { ReleaseQueue } from './release-queue.js';
import type { Direction, MessageHooks } from '../hooks.js';
import { Opcode } from '../../protocol/opcodes.js';
import { collect, covers, decidedOnUnit, kindOf, PASS } from './units.js';

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
    const queues = { upstream: new ReleaseQueue(), downstream: new ReleaseQueue() };
    // With reorder each message has its own timer: how many are out, and a Close waiting for them.
    const out = { upstream: 0, downstream: 0 };
    const closes: Record<Direction, (() => void) | null> = { upstream: null, downstream: null };
    let reported = false;
    // A delayed message is held whole until its time (a larger one than the buffer passes at once).
    const decide: NonNullable<MessageHooks['decide']> = (header, direction) => {
      if (!covers(p.direction, direction) || !p.kinds.includes(kindOf(header) as 'text')) return PASS;
      return collect((unit, next) => {
        if (!reported) {
          reported = true;
          ctx.applied({ delayMs: p.delay, jitterMs: p.jitter });
        }
        const at = performance.now() + jittered(p.delay, p.jitter, random[direction]);
        // reorder: each message on its own time; otherwise strictly in arrival order.
        if (!p.reorder) return queues[direction].add(at, () => next(unit));
        out[direction]++;
        setTimeout(() => {
          next(unit);
          if (--out[direction] === 0) closes[direction]?.();
        }, at - performance.now());
      });
    };
    // A Close must stay the last frame of its direction (RFC 6455 §5.5.1), and held messages
    // arrive late, never not at all: a Close waits for the messages held before it. Pings and
    // pongs are not messages here and pass at once.
    const control: MessageHooks['onUnit'] = (unit, direction, next) => {
      if (unit.opcode !== Opcode.Close) return next(unit);
      if (!p.reorder) return queues[direction].add(performance.now(), () => next(unit));
      if (out[direction] === 0) return next(unit);
      closes[direction] = () => {
        closes[direction] = null;
        next(unit);
      };
    };
    return { decide, onUnit: decidedOnUnit(decide, control) };
  },
});
