import Type from '../../schema/type.js';
import { Duration } from '../../scenario/units.js';
import { JitterParam } from '../common.js';
import { defineFault, ms } from '../define.js';

export const tlsDelay = defineFault({
  type: 'tls-delay',
  layer: 'tls',
  summary: 'holds the ClientHello, then goes on with the TLS handshake (a slow or overloaded TLS terminator)',
  params: Type.Object({
    delay: Duration({ description: 'how long' }),
    jitter: JitterParam(),
  }),
  explain: (p) => `holds every ClientHello ${ms(p.delay)}${p.jitter ? ` ± ${ms(p.jitter)}` : ''}`,
  create: (p, ctx) => ({
    onClientHello: () => {
      const delay = Math.max(0, p.delay + (p.jitter ? p.jitter * (2 * ctx.random() - 1) : 0));
      ctx.applied({ delayMs: Math.round(delay) });
      return new Promise<void>((resolve) => setTimeout(resolve, delay));
    },
  }),
});
