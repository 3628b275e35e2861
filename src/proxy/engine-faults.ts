import type { EventBus } from '../events/bus.js';
import type { FaultContext, Layer } from '../faults/hooks.js';
import type { RequestSubject } from '../scenario/match.js';
import type { Decided, ScenarioEngine } from '../scenario/engine.js';
import { NO_FAULTS, type FaultInstance, type FaultSource, type FaultsInForce } from './fault-instances.js';

/**
 * Connects the scenario engine to connections: decides each connection's faults when its
 * request head is known, instantiates them (create() once per connection and fault), and
 * re-decides open connections when the engine says the faults in force changed (apply=all).
 */
export class EngineFaultSource implements FaultSource {
  private readonly open = new Map<string, { request: RequestSubject; onApplied: (name: string) => void; update?: (faults: FaultsInForce) => void }>();

  constructor(
    private readonly engine: ScenarioEngine,
    private readonly proxyName: string,
    private readonly bus: EventBus,
  ) {
    engine.onChange((change) => {
      if (change.apply !== 'all') return;
      for (const [conn, entry] of this.open) entry.update?.(this.instantiate(conn, this.engine.decide(conn, entry.request), entry.onApplied));
    });
  }

  forRequest(conn: string, request: RequestSubject, onApplied: (name: string) => void = () => {}, update?: (faults: FaultsInForce) => void): FaultsInForce {
    this.open.set(conn, { request, onApplied, update });
    return this.instantiate(conn, this.engine.decide(conn, request), onApplied);
  }

  release(conn: string): void {
    this.open.delete(conn);
  }

  private instantiate(conn: string, decided: Decided[], onApplied: (name: string) => void): FaultsInForce {
    if (decided.length === 0) return NO_FAULTS;
    const faults: FaultsInForce = { handshake: [], transport: [], messages: [] };
    for (const { spec, definition, random } of decided) {
      const fault = { name: spec.name, type: spec.type };
      const context: FaultContext = {
        conn,
        random,
        applied: (detail) => {
          onApplied(spec.name);
          if (this.bus.active) this.bus.emit(this.proxyName, 'fault.applied', { conn, fault, ...(detail !== undefined ? { detail } : {}) });
        },
      };
      const hooks = definition.create!(spec.params as never, context);
      (faults[spec.layer] as FaultInstance<Layer>[]).push({ name: spec.name, type: spec.type, layer: spec.layer, hooks, context });
    }
    return faults;
  }
}
