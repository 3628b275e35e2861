import type { WsfaultEvent } from '../../src/events/types.js';

/** How many connections the proxy accepted so far (its `connection.open` events). */
export const acceptedCount = (events: readonly WsfaultEvent[]): number => events.filter((e) => e.type === 'connection.open').length;

/** The id of the connection accepted after the first `opened` ones: with attempts made one after another, the next attempt's. */
export function nthAccepted(events: readonly WsfaultEvent[], opened: number): string {
  const event = events.filter((e) => e.type === 'connection.open')[opened];
  if (!event || event.type !== 'connection.open') throw new Error(`fewer than ${opened + 1} connections accepted`);
  return event.conn;
}
