import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { Choice } from '../common.js';
import { defineFault, ms } from '../define.js';

export const idleTimeout = defineFault({
  type: 'idle-timeout',
  layer: 'transport',
  summary: 'drops connections idle for `timeout`, as load balancers do (60 s ELB, 75 s nginx)',
  params: Type.Object({
    timeout: Duration({ description: 'idle time before the drop' }),
    activity: Choice(['data', 'any'] as const, { default: 'data', description: 'data: only data frames count (pings do not); any: any byte' }),
    how: Choice(['fin', 'rst', 'close-frame'] as const, { default: 'fin', description: 'how the connection is dropped' }),
    code: Type.Integer({ minimum: 1000, maximum: 4999, default: 1001, description: 'close code when how is close-frame' }),
  }),
  explain: (p) => `drops connections after ${ms(p.timeout)} without ${p.activity === 'data' ? 'data frames' : 'traffic'} (${p.how === 'close-frame' ? `Close ${p.code}` : p.how.toUpperCase()})`,
  create: (p, ctx) => ({
    start: (control) => {
      // One timer aimed at the moment the connection would become idle, re-aimed when it fires early.
      let timer: NodeJS.Timeout;
      const check = () => {
        const idleFor = performance.now() - control.lastActivity(p.activity);
        if (idleFor >= p.timeout) {
          ctx.applied({ idleMs: Math.round(idleFor), how: p.how });
          return control.kill(p.how, p.code, 'idle timeout');
        }
        timer = setTimeout(check, p.timeout - idleFor);
      };
      timer = setTimeout(check, p.timeout);
      return () => clearTimeout(timer);
    },
  }),
});
