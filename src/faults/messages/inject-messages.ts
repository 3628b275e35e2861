import Type from '../../schema/type.js';
import { Duration, Size } from '../../scenario/units.js';
import { Choice } from '../common.js';
import { defineFault, ms } from '../define.js';
import { Opcode } from '../../protocol/opcodes.js';

export const injectMessages = defineFault({
  type: 'inject-messages',
  layer: 'messages',
  changesStream: true,
  summary: 'sends messages that nobody wrote (size makes an oversized one)',
  ownsCommon: ['count'],
  params: Type.Object({
    to: Choice(['client', 'server'] as const, { default: 'client', description: 'who receives them' }),
    text: Type.Optional(Type.String({ description: 'a text message' })),
    base64: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$', description: 'a binary message, base64' })),
    // At most 1 GiB: the message is allocated whole, and 1 GiB is far past any client's limit
    // (ws accepts 100 MiB by default) while still fitting in memory.
    size: Type.Optional(Size({ maximum: 1024 ** 3, description: 'a binary message of this many bytes' })),
    every: Type.Optional(Duration({ exclusiveMinimum: 0, description: 'repeat at this interval' })),
    count: Type.Optional(Type.Integer({ minimum: 1, description: 'how many messages in all (default 1, or unlimited with every)' })),
  }),
  check: (p) => {
    const given = [p.text, p.base64, p.size].filter((v) => v !== undefined).length;
    return given === 1 ? [] : [{ key: 'text', message: 'give exactly one of text, base64 or size' }];
  },
  explain: (p) =>
    `sends ${p.text !== undefined ? `"${p.text}"` : p.size !== undefined ? `a ${p.size}-byte binary message` : 'a binary message'} to the ${p.to}${p.every ? ` every ${ms(p.every)}` : ''}${p.count ? `, ${p.count} in all` : ''}`,
  create: (p, ctx) => ({
    start(control) {
      const payload = p.text !== undefined ? Buffer.from(p.text, 'utf8') : p.base64 !== undefined ? Buffer.from(p.base64, 'base64') : Buffer.alloc(p.size!, 0x61);
      const opcode = p.text !== undefined ? Opcode.Text : Opcode.Binary;
      const total = p.count ?? (p.every ? Infinity : 1);
      let sent = 0;
      const send = () => {
        control.inject(p.to, opcode, payload);
        ctx.applied({ to: p.to, bytes: payload.length, n: ++sent });
      };
      send();
      if (!p.every || sent >= total) return;
      const timer = setInterval(() => {
        send();
        if (sent >= total) clearInterval(timer);
      }, p.every);
      return () => clearInterval(timer);
    },
  }),
});
