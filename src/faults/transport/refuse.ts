import Type from '../../schema/type.js';
import { HowParam } from '../common.js';
import { defineFault } from '../define.js';

export const refuse = defineFault({
  type: 'refuse',
  layer: 'transport',
  summary: 'refuses new connections (with `count`: only the first N)',
  params: Type.Object({ how: HowParam('rst') }),
  explain: (p) => `refuses new connections (${p.how === 'rst' ? 'RST' : 'FIN'})`,
  create: (p, ctx) => ({
    admit: () => {
      ctx.applied({ how: p.how });
      return { action: 'close', how: p.how };
    },
  }),
});
