import type { TransportControl } from '../faults/hooks.js';
import type { ClientLink } from '../transport/client-link.js';
import type { KillOptions } from './close-record.js';

/** What a connection offers its transport faults. */
export interface ControlHost {
  /** performance.now() when the connection was accepted. */
  readonly openedAt: number;
  kill(options: KillOptions): void;
  /** FIN toward one side or both, as the proxy's own act. */
  closeSide(side: 'client' | 'server' | 'both'): void;
  /** The last data frame either way on a WebSocket (performance.now()), or null when not a WebSocket. */
  lastDataAt(): number | null;
}

/** What transport faults may do to a connection, through its ClientLink. */
export function transportControl(host: ControlHost, link: ClientLink): TransportControl {
  return {
    openedAt: host.openedAt,
    kill: (how, code, reason) => host.kill({ how, code, reason }),
    closeSide: (side) => host.closeSide(side),
    lastActivity(kind) {
      // On a WebSocket only data frames count as activity (pings do not), as a load balancer
      // that inspects frames would; on anything else, bytes are all there is.
      const data = kind === 'data' ? host.lastDataAt() : null;
      return data === null ? link.lastByteAt : Math.max(host.openedAt, data);
    },
    onBytes: (listener) => link.onBytes(listener),
  };
}
