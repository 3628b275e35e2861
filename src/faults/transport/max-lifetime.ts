import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { Choice, JitterParam } from '../common.js';
import { defineFault, ms } from '../define.js';
import { jittered } from './directions.js';

export const maxLifetime = defineFault({
  type: 'max-lifetime',
  layer: 'transport',
  summary: 'drops every connection at an age (deploys, load balancer draining)',
  params: Type.Object({
    duration: Duration({ description: 'age at which the connection is dropped' }),
    jitter: JitterParam(),
    how: Choice(['fin', 'rst', 'close-frame'] as const, { default: 'close-frame', description: 'how it is dropped' }),
    code: Type.Integer({ minimum: 1000, maximum: 4999, default: 1001, description: 'close code when how is close-frame' }),
  }),
  explain: (p) => `drops connections at age ${ms(p.duration)}${p.jitter ? ` ± ${ms(p.jitter)}` : ''} (${p.how === 'close-frame' ? `Close ${p.code}` : p.how.toUpperCase()})`,
  create: (p, ctx) => ({
    start: (control) => {
      const age = jittered(p.duration, p.jitter, ctx.random);
      const timer = setTimeout(() => {
        ctx.applied({ ageMs: Math.round(age), how: p.how });
        control.kill(p.how, p.code, 'max lifetime');
      }, Math.max(0, control.openedAt + age - performance.now()));
      return () => clearTimeout(timer);
    },
  }),
});
