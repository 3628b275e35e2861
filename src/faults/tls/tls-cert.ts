import Type from '../../schema/type.js';
import { Choice } from '../common.js';
import { defineFault } from '../define.js';

const PROBLEMS = ['expired', 'not-yet-valid', 'wrong-name', 'self-signed', 'unknown-ca', 'missing-intermediate'] as const;

const WHAT: Record<(typeof PROBLEMS)[number], string> = {
  expired: 'an expired certificate',
  'not-yet-valid': 'a certificate that is not valid yet',
  'wrong-name': 'a certificate for other names',
  'self-signed': 'a self-signed certificate',
  'unknown-ca': 'a certificate from a CA nobody trusts',
  'missing-intermediate': 'a certificate without its intermediate CA',
};

export const tlsCert = defineFault({
  type: 'tls-cert',
  layer: 'tls',
  summary: 'serves a certificate with a defect: expired, not yet valid, wrong name, self-signed, unknown CA, missing intermediate',
  params: Type.Object({
    problem: Choice(PROBLEMS, { default: 'expired', description: 'the defect' }),
    names: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.*:-]+$' }), { minItems: 1, maxItems: 20, description: 'the names the certificate is for (wrong-name; default wrong.example)' }),
    ),
  }),
  check: (p) => (p.names !== undefined && p.problem !== 'wrong-name' ? [{ key: 'names', message: 'names is only for problem: wrong-name' }] : []),
  explain: (p) => `serves ${WHAT[p.problem]}${p.problem === 'wrong-name' ? ` (${(p.names ?? ['wrong.example']).join(', ')})` : ''}`,
  create: (p, ctx) => ({
    onClientHello: () => {
      ctx.applied({ problem: p.problem });
      return { action: 'serve', certificate: { problem: p.problem, ...(p.names ? { names: [...p.names] } : {}) } };
    },
  }),
});
