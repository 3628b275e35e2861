import Type from '../../schema/type.js';
import { Choice, closeCodeProblem } from '../common.js';
import { defineFault } from '../define.js';

export const closeFrame = defineFault({
  type: 'close-frame',
  layer: 'messages',
  summary: 'sends a Close frame with a chosen code (use after / afterMessages to time it)',
  params: Type.Object({
    code: Type.Integer({ minimum: 0, maximum: 65535, default: 1000, description: 'close code; 1000–1003, 1007–1014, 3000–4999 unless allowReserved' }),
    reason: Type.String({ default: '', maxLength: 123, description: 'close reason (at most 123 bytes of UTF-8)' }),
    to: Choice(['client', 'server', 'both'] as const, { default: 'client', description: 'who gets the Close' }),
    then: Choice(['wait-echo', 'fin', 'rst', 'nothing'] as const, {
      default: 'wait-echo',
      description: 'after the Close: wait for the answering Close, FIN, RST, or nothing',
    }),
    allowReserved: Type.Boolean({ default: false, description: 'allow codes that must not be sent (a deliberate violation)' }),
  }),
  check: (p) => {
    const problems = [];
    const codeProblem = closeCodeProblem(p.code, p.allowReserved);
    if (codeProblem) problems.push({ key: 'code', message: codeProblem });
    if (Buffer.byteLength(p.reason) > 123) problems.push({ key: 'reason', message: 'is longer than 123 bytes of UTF-8' });
    return problems;
  },
  explain: (p) => `sends Close ${p.code}${p.reason ? ` "${p.reason}"` : ''} to the ${p.to === 'both' ? 'client and the server' : p.to}, then ${p.then}`,
  create: (p, ctx) => ({
    start: (control) => {
      ctx.applied({ code: p.code, to: p.to });
      control.sendClose({ to: p.to, code: p.code, reason: p.reason, then: p.then });
    },
  }),
});
