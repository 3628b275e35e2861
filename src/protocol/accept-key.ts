import { createHash } from 'node:crypto';

/** The GUID of RFC 6455 §1.3 that a server appends to Sec-WebSocket-Key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept value a correct server answers for this key. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
}
