import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { HowParam } from '../common.js';
import { defineFault, ms } from '../define.js';

export const hangHandshake = defineFault({
  type: 'hang-handshake',
  layer: 'handshake',
  summary: 'reads the upgrade request and never answers (optionally closes later)',
  params: Type.Object({
    closeAfter: Type.Optional(Duration({ description: 'close the connection this long after the request (default: never)' })),
    how: HowParam('fin'),
  }),
  explain: (p) => `never answers upgrades${p.closeAfter !== undefined ? `; closes (${p.how}) after ${ms(p.closeAfter)}` : ''}`,
  create: (p, ctx) => ({
    onRequest: () => {
      ctx.applied({ closeAfterMs: p.closeAfter ?? null });
      return { action: 'close', how: p.how, afterMs: p.closeAfter ?? Infinity };
    },
  }),
});
