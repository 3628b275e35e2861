import Type, { type TUnsafe } from '../schema/type.js';
import { Duration, Probability } from '../scenario/units.js';

/**
 * One of a few strings. An `enum` (not a union of literals) so a wrong value gets one clear
 * error ("must be one of …") instead of one per alternative.
 */
export function Choice<const T extends readonly string[]>(values: T, options: { default?: T[number]; description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Shared parameter shapes, so every fault spells them the same way. */
export const DirectionParam = (defaultValue: 'upstream' | 'downstream' | 'both' = 'both') =>
  Choice(['upstream', 'downstream', 'both'] as const, {
    default: defaultValue,
    description: 'upstream (client→server), downstream (server→client) or both',
  });

export const HowParam = (defaultValue: 'fin' | 'rst' = 'fin') =>
  Choice(['fin', 'rst'] as const, { default: defaultValue, description: 'fin: TCP FIN; rst: TCP RST' });

export const MessageKinds = () =>
  Type.Array(Choice(['text', 'binary'] as const), {
    default: ['text', 'binary'],
    minItems: 1,
    uniqueItems: true,
    description: 'which data messages: text, binary',
  });

export const RateParam = (description: string) => Probability({ default: 1, description });

export const HeaderMap = (description: string, defaultValue?: Record<string, string | null>) =>
  Type.Record(Type.String({ pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$" }), Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '^[^\\r\\n\\x00]*$' }), {
    description,
    ...(defaultValue ? { default: defaultValue } : {}),
  });

export const JitterParam = () => Duration({ default: 0, description: 'random spread, ± this much' });

/** WebSocket close codes a Close frame may carry on the wire (RFC 6455 §7.4). */
export function closeCodeProblem(code: number, allowReserved: boolean): string | null {
  const valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  if (valid || allowReserved) return null;
  return `${code} is not a close code that may be sent (1000–1003, 1007–1014, 3000–4999); set allowReserved: true to send it as a deliberate violation`;
}
