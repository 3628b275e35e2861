import type { EventBus } from '../events/bus.js';
import type { Layer } from '../faults/hooks.js';
import type { RequestSubject } from '../scenario/match.js';
import type { Decided, ScenarioEngine } from '../scenario/engine.js';
import { ConnectionFault, type FaultOwner } from './connection-fault.js';
import { guardHooks } from './fault-guard.js';
import { NO_FAULTS, NO_INSTANCES, type FaultInstance, type FaultListener, type FaultSource, type FaultsInForce } from './fault-instances.js';

/**
 * What is kept of one open connection, to re-decide it on a switch with apply=all. Kept small,
 * since every idle connection holds one (issue #13): the request's headers as one flat array
 * [name, value, name, value, …] rather than an array per header, and the arrival fields
 * (listener, ordinal) derived from the id when needed.
 */
interface OpenConnection {
  listener: FaultListener;
  request: StoredRequest | null;
  decided: readonly Decided[];
}

interface StoredRequest {
  path: string;
  query: string;
  flatHeaders: string[];
  sni: string | undefined;
  client: string | undefined;
}

const NONE: readonly Decided[] = Object.freeze([]);
const names = (decided: readonly Decided[]): Set<string> => new Set(decided.map((d) => d.spec.name));
const joined = (a: readonly Decided[], b: readonly Decided[]): readonly Decided[] => (b.length === 0 ? a : a.length === 0 ? b : [...a, ...b]);

/** A connection's ordinal on its proxy: the N of its id `c-N`, which the proxy counts from 1. */
const ordinalOf = (conn: string): number | undefined => {
  const n = Number(conn.slice(conn.lastIndexOf('-') + 1));
  return Number.isInteger(n) && n > 0 ? n : undefined;
};

/**
 * Connects the scenario engine to connections: decides a connection's faults when it is
 * accepted (faults without `match`, which act from the first byte) and when its request head
 * is known (the rest), instantiates them (create() once per connection and fault), and
 * re-decides open connections when the engine says the faults in force changed (apply=all).
 */
export class EngineFaultSource implements FaultSource, FaultOwner {
  private readonly open = new Map<string, OpenConnection>();

  /** `listenAddress` is asked per connection: a port 0 listener knows its port only once it listens. */
  constructor(
    private readonly engine: ScenarioEngine,
    readonly proxyName: string,
    readonly bus: EventBus,
    private readonly listenAddress: () => string = () => '',
  ) {
    engine.onChange((change) => {
      if (change.apply !== 'all') return;
      const listener = [this.proxyName, this.listenAddress()];
      // Without a `match` anywhere the request adds nothing to a decision (ScenarioEngine.looksAtRequest).
      const byRequest = engine.looksAtRequest();
      // forEach, not for…of: no [key, value] pair per connection while this code is still cold.
      this.open.forEach((entry, conn) => {
        // Decided without taking `count`: it is taken below only where the fault can still act
        // (a fault that acts at accept cannot act on a connection accepted long ago). All stay in `decided`, so the
        // request head, when it comes, does not decide them again.
        entry.decided = this.decideAll(conn, byRequest && entry.request ? this.subject(conn, entry.request, listener) : null, false);
        entry.listener.update(this.instantiate(conn, entry.decided, entry.listener, this.claimFor));
      });
    });
  }

  /** FaultOwner: the seed a fault's stream() uses when it asks. */
  get seed(): number {
    return this.engine.seed;
  }

  forAccept(conn: string, listener: FaultListener): FaultsInForce {
    const decided = this.engine.decide(conn, null);
    this.open.set(conn, { listener, request: null, decided: decided.length === 0 ? NONE : decided });
    return this.instantiate(conn, decided, listener);
  }

  forRequest(conn: string, request: RequestSubject): FaultsInForce {
    const entry = this.open.get(conn);
    if (!entry) return NO_FAULTS;
    entry.request = { path: request.path, query: request.query, flatHeaders: request.headers.flat(), sni: request.sni, client: request.client };
    const more = this.engine.decide(conn, this.subject(conn, entry.request), names(entry.decided));
    entry.decided = joined(entry.decided, more);
    return this.instantiate(conn, more, entry.listener);
  }

  forHello(conn: string, sni: string | null, client: string): FaultsInForce {
    const entry = this.open.get(conn);
    if (!entry) return NO_FAULTS;
    const subject = { path: '', query: '', headers: [], client, ...this.arrival(conn), ...(sni !== null ? { sni } : {}) };
    const more = this.engine.decide(conn, subject, names(entry.decided), 'hello');
    entry.decided = joined(entry.decided, more);
    return this.instantiate(conn, more, entry.listener);
  }

  release(conn: string): void {
    this.open.delete(conn);
  }

  /** What every match may use from accept on: the proxy's names and the connection's ordinal. */
  private arrival(conn: string, listener = [this.proxyName, this.listenAddress()]): Pick<RequestSubject, 'listener' | 'ordinal'> {
    return { listener, ordinal: ordinalOf(conn) };
  }

  private subject(conn: string, stored: StoredRequest, listener?: string[]): RequestSubject {
    const headers: [string, string][] = [];
    for (let i = 0; i < stored.flatHeaders.length; i += 2) headers.push([stored.flatHeaders[i]!, stored.flatHeaders[i + 1]!]);
    return {
      path: stored.path,
      query: stored.query,
      headers,
      ...(stored.sni !== undefined ? { sni: stored.sni } : {}),
      ...(stored.client !== undefined ? { client: stored.client } : {}),
      ...this.arrival(conn, listener),
    };
  }

  private decideAll(conn: string, request: RequestSubject | null, claim: boolean): readonly Decided[] {
    const early = this.engine.decide(conn, null, undefined, 'request', claim);
    if (!request) return early.length === 0 ? NONE : early;
    return joined(early, this.engine.decide(conn, request, names(early), 'request', claim));
  }

  /** A fault with a `count`, re-decided on an open connection: kept only if it can act there and the count has room. */
  private readonly claimFor = (listener: FaultListener, instance: FaultInstance<Layer>): boolean => {
    if (instance.spec.count === undefined) return true;
    if (listener.canAct?.(instance.layer, instance.hooks) === false) return false;
    return this.engine.claim(instance.spec);
  };

  private instantiate(conn: string, decided: readonly Decided[], listener: FaultListener, keep?: (listener: FaultListener, instance: FaultInstance<Layer>) => boolean): FaultsInForce {
    if (decided.length === 0) return NO_FAULTS;
    // Layers without a fault share one empty list: a switch with apply=all makes this for every open connection.
    const faults: FaultsInForce = { handshake: NO_INSTANCES, transport: NO_INSTANCES, messages: NO_INSTANCES, tls: NO_INSTANCES };
    const { seed } = this.engine;
    const { compression } = this.engine.scenario;
    for (let i = 0; i < decided.length; i++) {
      const { spec, definition } = decided[i]!;
      const instance = new ConnectionFault(conn, spec, definition, seed, compression, listener, this);
      try {
        instance.hooks = guardHooks(definition.create(spec.params as never, instance), instance);
      } catch (error) {
        instance.failed(error);
        continue;
      }
      if (keep && !keep(listener, instance)) continue;
      const list = faults[spec.layer] as FaultInstance<Layer>[];
      if (list === NO_INSTANCES) (faults[spec.layer] as FaultInstance<Layer>[]) = [instance];
      else list.push(instance);
    }
    return faults;
  }
}
