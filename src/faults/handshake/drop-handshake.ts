import Type from '../../schema/type.js';
import { HowParam } from '../common.js';
import { defineFault } from '../define.js';

export const dropHandshake = defineFault({
  type: 'drop-handshake',
  layer: 'handshake',
  summary: 'closes the connection right after reading the upgrade request',
  params: Type.Object({ how: HowParam('fin') }),
  explain: (p) => `closes every upgrade request unanswered (${p.how === 'fin' ? 'FIN' : 'RST'})`,
  create: (p, ctx) => ({
    onRequest: () => {
      ctx.applied({ how: p.how });
      return { action: 'close', how: p.how, afterMs: 0 };
    },
  }),
});
