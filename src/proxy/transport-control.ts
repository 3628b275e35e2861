import type { TransportControl } from '../faults/hooks.js';
import type { ClientLink } from '../transport/client-link.js';
import type { Connection } from './connection.js';

/** What transport faults may do to a connection, through its ClientLink. */
export function transportControl(connection: Connection, link: ClientLink): TransportControl {
  const openedAt = performance.now() - (Date.now() - connection.openedAt);
  return {
    openedAt,
    kill: (how, code, reason) => connection.kill({ how, code, reason }),
    closeSide(side) {
      connection.killedWith ??= { how: 'fin' };
      if (side !== 'server') connection.client.end();
      if (side !== 'client') connection.upstream?.end();
    },
    blackhole(direction) {
      if (direction !== 'downstream') link.dropping.upstream = true;
      if (direction !== 'upstream') link.dropping.downstream = true;
      return () => {
        link.dropping.upstream = false;
        link.dropping.downstream = false;
      };
    },
    lastActivity(kind) {
      // On a WebSocket only data frames count as activity (pings do not), as a load balancer
      // that inspects frames would; on anything else, bytes are all there is.
      if (kind === 'data' && (connection.state === 'websocket' || connection.state === 'closing')) {
        return Math.max(openedAt, connection.lastDataAt());
      }
      return link.lastByteAt;
    },
    onBytes: (listener) => link.onBytes(listener),
  };
}
