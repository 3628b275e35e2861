import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { DirectionParam, RateParam } from '../common.js';
import { defineFault, directionText, ms } from '../define.js';
import type { Direction, MessageHooks, MessageUnit } from '../hooks.js';
import { collect, covers, decidedOnUnit, PASS } from './units.js';

export const reorderMessages = defineFault({
  type: 'reorder-messages',
  layer: 'messages',
  changesStream: true,
  summary: 'messages overtake each other',
  params: Type.Object({
    rate: RateParam('chance that a message is held back and overtaken'),
    window: Type.Integer({ minimum: 2, maximum: 1000, default: 2, description: 'how many messages a held one can fall behind, at most' }),
    maxHold: Duration({ default: 1000, minimum: 1, description: 'longest a held message waits for later ones; then it goes anyway (late, never lost)' }),
    direction: DirectionParam('both'),
  }),
  explain: (p) => `lets ${(p.rate * 100).toFixed(0)}% of messages fall up to ${p.window - 1} behind ${directionText(p.direction)}, held ${ms(p.maxHold)} at most`,
  create: (p, ctx) => {
    const random = { upstream: ctx.stream('upstream'), downstream: ctx.stream('downstream') };
    // A held message waits for `behind` later messages to pass, then goes; without later
    // messages (request/response, the end of a burst) it goes after maxHold. Every covered
    // message is held whole: whether it is held back, or releases held ones, is decided with it
    // in hand (the draws stay in message order).
    type Held = { unit: MessageUnit; behind: number; timer: NodeJS.Timeout; next: (unit: MessageUnit) => void };
    const held = { upstream: [] as Held[], downstream: [] as Held[] };
    const release = (queue: Held[], index: number) => {
      const [entry] = queue.splice(index, 1);
      clearTimeout(entry!.timer);
      entry!.next(entry!.unit);
    };
    const reorder = (direction: Direction) => (unit: MessageUnit, next: (unit: MessageUnit) => void) => {
      const queue = held[direction];
      if (random[direction]() < p.rate && queue.length < p.window - 1) {
        const entry: Held = {
          unit,
          next,
          behind: 1 + Math.floor(random[direction]() * (p.window - 1)),
          timer: setTimeout(() => {
            const index = queue.indexOf(entry);
            if (index >= 0) release(queue, index);
          }, p.maxHold),
        };
        queue.push(entry);
        ctx.applied({ direction });
        return;
      }
      next(unit);
      for (const entry of queue) entry.behind--;
      while (queue.length > 0 && queue[0]!.behind <= 0) release(queue, 0);
      for (let i = 0; i < queue.length; i++) if (queue[i]!.behind <= 0) release(queue, i--);
    };
    const onMessage = { upstream: reorder('upstream'), downstream: reorder('downstream') };
    const decide: NonNullable<MessageHooks['decide']> = (_header, direction) => (covers(p.direction, direction) ? collect(onMessage[direction]) : PASS);
    return { decide, onUnit: decidedOnUnit(decide) };
  },
});
