import Type from '../../schema/type.js';
import { Choice, DirectionParam, RateParam } from '../common.js';
import { defineFault, directionText } from '../define.js';
import { corrupt } from './corruptions.js';
import type { MessageHooks } from '../hooks.js';
import { collect, covers, decidedOnUnit, PASS } from './units.js';

export const CORRUPTIONS = ['invalid-utf8', 'bitflip', 'truncate', 'rsv-bit', 'bad-opcode', 'masked-server-frame', 'unmasked-client-frame'] as const;

export const corruptMessages = defineFault({
  type: 'corrupt-messages',
  layer: 'messages',
  changesStream: true,
  summary: 'protocol violations the peer must reject (1002/1007)',
  params: Type.Object({
    rate: RateParam('chance that a message is corrupted'),
    direction: DirectionParam('downstream'),
    mode: Choice(CORRUPTIONS, { description: CORRUPTIONS.join(' | ') }),
  }),
  explain: (p) => `corrupts ${(p.rate * 100).toFixed(0)}% of messages (${p.mode}) ${directionText(p.direction)}`,
  create: (p, ctx) => {
    const random = { upstream: ctx.stream('upstream'), downstream: ctx.stream('downstream') };
    // The rate is drawn at the header; a message to corrupt is held whole (every mode rewrites it).
    const decide: NonNullable<MessageHooks['decide']> = (_header, direction) => {
      if (!covers(p.direction, direction) || random[direction]() >= p.rate) return PASS;
      return collect((unit, next) => {
        const corrupted = corrupt(unit, p.mode, direction, random[direction]);
        if (!corrupted) return next(unit);
        ctx.applied({ direction, mode: p.mode });
        next(corrupted);
      });
    };
    return { decide, onUnit: decidedOnUnit(decide) };
  },
});
