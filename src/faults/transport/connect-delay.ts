import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { JitterParam } from '../common.js';
import { defineFault, ms } from '../define.js';
import { jittered, sleep } from './directions.js';

export const connectDelay = defineFault({
  type: 'connect-delay',
  layer: 'transport',
  summary: 'delays dialling the upstream (slow DNS or TCP connect)',
  params: Type.Object({ delay: Duration({ description: 'added before dialling' }), jitter: JitterParam() }),
  explain: (p) => `waits ${ms(p.delay)}${p.jitter ? ` ± ${ms(p.jitter)}` : ''} before dialling the upstream`,
  create: (p, ctx) => ({
    beforeDial: () => {
      const delay = jittered(p.delay, p.jitter, ctx.random);
      ctx.applied({ delayMs: Math.round(delay) });
      return sleep(delay);
    },
  }),
});
