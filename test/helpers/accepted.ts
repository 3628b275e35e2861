import type { EventBus } from '../../src/events/bus.js';
import type { WsfaultEvent } from '../../src/events/types.js';
import type { ScenarioEngine } from '../../src/scenario/engine.js';
import { until } from './wait.js';

/** How many connections the proxy accepted so far (its `connection.open` events). */
export const acceptedCount = (events: readonly WsfaultEvent[]): number => events.filter((e) => e.type === 'connection.open').length;

/** The id of the connection accepted after the first `opened` ones: with attempts made one after another, the next attempt's. */
export function nthAccepted(events: readonly WsfaultEvent[], opened: number): string {
  const event = events.filter((e) => e.type === 'connection.open')[opened];
  if (!event || event.type !== 'connection.open') throw new Error(`fewer than ${opened + 1} connections accepted`);
  return event.conn;
}

/**
 * The phase in force when the proxy read each upgrade request (a connection observer): its faults
 * are the ones that answer it, since a phase change re-decides a connection still waiting for its
 * request. `phaseOfNext(before)` waits for the connection accepted after the first `before` ones
 * and gives the phase its request was read in.
 */
export function phaseAtRequest(bus: EventBus, engine: ScenarioEngine, events: readonly WsfaultEvent[]) {
  const phases = new Map<string, string>();
  bus.observe({ request: (_proxy, conn) => phases.set(conn, engine.phase.name) });
  return async (before: number): Promise<string> => {
    await until(() => acceptedCount(events) > before, 'the attempt to be accepted');
    const conn = nthAccepted(events, before);
    await until(() => phases.has(conn), 'the request to be read');
    return phases.get(conn)!;
  };
}
