import Type from 'typebox';
import { DirectionParam, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import type { Direction, MessageHooks, MessageUnit } from '../hooks.js';
import { collect, covers, decidedOnUnit, PASS } from './units.js';

export const reorderMessages = defineFault({
  type: 'reorder-messages',
  layer: 'messages',
  summary: 'messages overtake each other',
  params: Type.Object({
    rate: RateParam('chance that a message is held back and overtaken'),
    window: Type.Integer({ minimum: 2, maximum: 1000, default: 2, description: 'how many messages a held one can fall behind, at most' }),
    direction: DirectionParam('both'),
  }),
  explain: (p) => `lets ${(p.rate * 100).toFixed(0)}% of messages fall up to ${p.window - 1} behind ${directionText(p.direction)}`,
  create: (p, ctx) => {
    const random = { upstream: ctx.stream('upstream'), downstream: ctx.stream('downstream') };
    // A held message waits for `behind` later messages to pass, then goes.
    const held = { upstream: [] as { unit: MessageUnit; behind: number }[], downstream: [] as { unit: MessageUnit; behind: number }[] };
    // Every covered message is held whole: whether it is held back, or releases held ones, is
    // decided with it in hand (the draws stay in message order).
    const reorder = (direction: Direction) => (unit: MessageUnit, next: (unit: MessageUnit) => void) => {
      const queue = held[direction];
      if (random[direction]() < p.rate && queue.length < p.window - 1) {
        queue.push({ unit, behind: 1 + Math.floor(random[direction]() * (p.window - 1)) });
        ctx.applied({ direction });
        return;
      }
      next(unit);
      for (const entry of queue) entry.behind--;
      while (queue.length > 0 && queue[0]!.behind <= 0) next(queue.shift()!.unit);
      for (let i = 0; i < queue.length; i++) if (queue[i]!.behind <= 0) next(queue.splice(i--, 1)[0]!.unit);
    };
    const onMessage = { upstream: reorder('upstream'), downstream: reorder('downstream') };
    const decide: NonNullable<MessageHooks['decide']> = (_header, direction) => (covers(p.direction, direction) ? collect(onMessage[direction]) : PASS);
    return { decide, onUnit: decidedOnUnit(decide) };
  },
});
