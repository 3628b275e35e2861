import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { App } from '../app.js';
import type { ConnectionInfo, Traffic } from '../wire.js';

/**
 * Prometheus metrics fed by the event bus. Byte and message counters are read live from open
 * connections at scrape time (plus what closed connections carried), so they move while a
 * connection is open, not only when it closes.
 */
export function createMetrics(app: App): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'wsfault_process_' });
  const closedBytes = new Map<string, Traffic>();
  const closedMessages = new Map<string, Traffic>();
  const add = (map: Map<string, Traffic>, proxy: string, v: Traffic) => {
    const t = map.get(proxy) ?? { up: 0, down: 0 };
    map.set(proxy, { up: t.up + v.up, down: t.down + v.down });
  };

  const connectionsTotal = new Counter({ name: 'wsfault_connections_total', help: 'client connections accepted', labelNames: ['proxy'], registers: [register] });
  const handshakes = new Counter({ name: 'wsfault_handshakes_total', help: 'WebSocket upgrade requests, by the status the client got (none: no answer)', labelNames: ['proxy', 'status'], registers: [register] });
  const faultsApplied = new Counter({ name: 'wsfault_faults_applied_total', help: 'times a fault acted', labelNames: ['proxy', 'scenario', 'fault', 'type'], registers: [register] });
  const upstreamErrors = new Counter({ name: 'wsfault_upstream_errors_total', help: 'upstream errors (unreachable, reset, bad answer)', labelNames: ['proxy'], registers: [register] });
  new Gauge({
    name: 'wsfault_connections_active',
    help: 'client connections open now',
    labelNames: ['proxy'],
    registers: [register],
    collect() {
      this.reset();
      for (const proxy of app.status()) this.set({ proxy: proxy.name }, proxy.connections);
    },
  });
  const live = (name: string, help: string, closed: Map<string, Traffic>, read: (connection: ConnectionInfo) => Traffic) =>
    new Counter({
      name,
      help,
      labelNames: ['proxy', 'direction'],
      registers: [register],
      collect() {
        this.reset();
        for (const { name: proxy } of app.status()) {
          const total = { ...(closed.get(proxy) ?? { up: 0, down: 0 }) };
          for (const connection of app.connections(proxy)) {
            const v = read(connection);
            total.up += v.up;
            total.down += v.down;
          }
          this.inc({ proxy, direction: 'upstream' }, total.up);
          this.inc({ proxy, direction: 'downstream' }, total.down);
        }
      },
    });
  live('wsfault_bytes_total', 'bytes between clients and the proxy (upstream: sent by clients)', closedBytes, (c) => c.bytes);
  live('wsfault_messages_total', 'WebSocket data messages (upstream: sent by clients)', closedMessages, (c) => c.messages);

  app.bus.subscribe((event) => {
    switch (event.type) {
      case 'connection.open':
        connectionsTotal.inc({ proxy: event.proxy });
        break;
      case 'connection.close':
        add(closedBytes, event.proxy, event.bytes);
        add(closedMessages, event.proxy, event.messages);
        break;
      case 'handshake':
        handshakes.inc({ proxy: event.proxy, status: event.status === null ? 'none' : String(event.status) });
        break;
      case 'fault.applied':
        faultsApplied.inc({ proxy: event.proxy, scenario: app.has(event.proxy) ? app.status(event.proxy).scenario : '', fault: event.fault.name, type: event.fault.type });
        break;
      case 'upstream.error':
        upstreamErrors.inc({ proxy: event.proxy });
        break;
    }
  });
  return register;
}
