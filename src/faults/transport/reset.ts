import Type from '../../schema/type.js';
import { Size } from '../../scenario/units.js';
import { defineFault } from '../define.js';

export const reset = defineFault({
  type: 'reset',
  layer: 'transport',
  summary: 'TCP RST to both sides (at `after`, or after `afterBytes`)',
  params: Type.Object({ afterBytes: Type.Optional(Size({ description: 'reset once this many bytes have passed (both ways together)' })) }),
  explain: (p) => `resets the connection (RST both sides)${p.afterBytes !== undefined ? ` after ${p.afterBytes} bytes` : ''}`,
  create: (p, ctx) => ({
    start: (control) => {
      const reset = () => {
        ctx.applied(p.afterBytes !== undefined ? { afterBytes: p.afterBytes } : undefined);
        control.kill('rst');
      };
      if (p.afterBytes === undefined) return reset();
      const stop = control.onBytes((_d, totals) => {
        if (totals.up + totals.down < p.afterBytes!) return;
        stop();
        reset();
      });
      return stop;
    },
  }),
});
