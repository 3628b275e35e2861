import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { Choice, JitterParam } from '../common.js';
import { defineFault, ms } from '../define.js';

export const delayHandshake = defineFault({
  type: 'delay-handshake',
  layer: 'handshake',
  summary: 'holds the upgrade before dialling the upstream or before answering the client (slow auth, slow upstream)',
  params: Type.Object({
    delay: Duration({ description: 'how long' }),
    jitter: JitterParam(),
    where: Choice(['before-upstream', 'before-response'] as const, { default: 'before-upstream', description: 'where the wait happens' }),
  }),
  explain: (p) => `holds every upgrade ${ms(p.delay)}${p.jitter ? ` ± ${ms(p.jitter)}` : ''} ${p.where === 'before-upstream' ? 'before dialling the upstream' : 'before answering the client'}`,
  create: (p, ctx) => {
    const wait = () => {
      const delay = Math.max(0, p.delay + (p.jitter ? p.jitter * (2 * ctx.random() - 1) : 0));
      ctx.applied({ delayMs: Math.round(delay) });
      return new Promise<void>((resolve) => setTimeout(resolve, delay));
    };
    return p.where === 'before-upstream' ? { onRequest: wait } : { onResponse: wait };
  },
});
