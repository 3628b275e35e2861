import type { EventBus } from '../events/bus.js';
import { faultByType } from '../faults/index.js';
import type { AnyFaultDefinition } from '../faults/define.js';
import { matches, type RequestSubject } from './match.js';
import { streamFor } from './prng.js';
import type { FaultSpec, Phase, Scenario } from './types.js';

export type ApplyMode = 'all' | 'new';

/**
 * A fault a connection got: what the scenario says, and its definition. The same object for
 * every connection that got the fault (its seeded stream is the instance's, made at first use).
 */
export interface Decided {
  readonly spec: FaultSpec;
  readonly definition: AnyFaultDefinition;
}

/** One Decided per spec, shared by every connection: a switch with apply=all decides them all at once. */
const decidedOf = new WeakMap<FaultSpec, Decided>();
function decidedFor(spec: FaultSpec): Decided {
  let decided = decidedOf.get(spec);
  if (!decided) decidedOf.set(spec, (decided = Object.freeze({ spec, definition: faultByType(spec.type)! })));
  return decided;
}

/** Why the faults in force changed: a phase began, or a scenario was switched in. */
export interface EngineChange {
  apply: ApplyMode;
  reason: 'scenario' | 'phase';
}

/**
 * The active scenario of one proxy: which phase is in force, and which faults each connection
 * gets. Decisions are made once per connection (probability rolled from the connection's own
 * seeded stream, `count` taken from the phase's budget) and again only when the scenario or
 * phase changes with apply=all.
 */
export class ScenarioEngine {
  private current: Scenario;
  private phaseIndex = 0;
  private phaseTimer: NodeJS.Timeout | null = null;
  /** Connections each fault has touched since its scenario or phase became active. */
  private touched = new Map<string, number>();
  /** Bumped on every change so decisions of different epochs roll different numbers. */
  private epoch = 0;
  private readonly listeners = new Set<(change: EngineChange) => void>();
  /** Faults added on top of the scenario (the control API's POST /proxies/:name/faults). */
  private adhoc: FaultSpec[] = [];
  /** The list of every fault in force, kept while the phase's and the ad-hoc faults stay the same. */
  private everyDecided: { phase: readonly FaultSpec[]; adhoc: readonly FaultSpec[]; list: readonly Decided[] } | null = null;

  constructor(
    private readonly options: { proxy: string; bus: EventBus; seed: number; scenario: Scenario },
  ) {
    this.current = options.scenario;
    this.startPhase(0, null);
  }

  get scenario(): Scenario {
    return this.current;
  }

  get phase(): Phase {
    return this.current.phases[this.phaseIndex]!;
  }

  /** The seed decisions use: the scenario's own, else the proxy's. */
  get seed(): number {
    return this.current.seed ?? this.options.seed;
  }

  /** Switches scenario: apply=all re-decides open connections, apply=new only touches new ones. */
  use(scenario: Scenario, apply: ApplyMode = 'all'): void {
    const from = this.current.name;
    this.stopTimer();
    this.current = scenario;
    this.options.bus.emit(this.options.proxy, 'scenario.changed', { from, to: scenario.name });
    this.startPhase(0, null);
    this.notify({ apply, reason: 'scenario' });
  }

  /**
   * The faults one connection gets now. With `request` null (the connection was just accepted,
   * nothing is known of it yet) only faults without any `match` are decided: they act from the
   * first byte. Once the request head is known, the rest are decided (`skip` names those
   * decided already, so nothing is rolled or counted twice). At stage `hello` (a ClientHello
   * was read) only TLS faults with a `match` are decided, on the server name and client address.
   * With `claim` false, a fault's `count` is checked but not taken (see claim()).
   */
  decide(conn: string, request: RequestSubject | null, skip?: ReadonlySet<string>, stage: 'hello' | 'request' = 'request', claim = true): readonly Decided[] {
    const scenario = this.current;
    if (request === null ? scenario.match !== undefined : !matches(scenario.match, request)) return [];
    let decided: Decided[] | null = null;
    // The phase's faults, then the ad-hoc ones: indexed loops, no joined copy or iterators per
    // decision (a switch with apply=all decides every open connection while this code is cold).
    for (let list = 0; list < 2; list++) {
      const specs = list === 0 ? this.phase.faults : this.adhoc;
      for (let i = 0; i < specs.length; i++) {
        const spec = specs[i]!;
        if (skip?.has(spec.name)) continue;
        if (request === null ? spec.match !== undefined : !matches(spec.match, request)) continue;
        // TLS faults are decided before any HTTP is seen: at accept, or at the ClientHello (stage hello), never later.
        if (request !== null && (spec.layer === 'tls') !== (stage === 'hello')) continue;
        if (spec.probability < 1 && streamFor(this.seed, conn, 'probability', String(this.epoch), spec.name)() >= spec.probability) continue;
        if (spec.count !== undefined && (claim ? !this.claim(spec) : (this.touched.get(spec.name) ?? 0) >= spec.count)) continue;
        if (decided === null) decided = [decidedFor(spec)];
        else decided.push(decidedFor(spec));
      }
    }
    if (decided === null) return [];
    // Every fault in force decided (the usual case): one frozen list shared by the connections.
    return decided.length === this.phase.faults.length + this.adhoc.length ? this.allDecided(decided) : decided;
  }

  private allDecided(decided: Decided[]): readonly Decided[] {
    const cached = this.everyDecided;
    if (cached && cached.phase === this.phase.faults && cached.adhoc === this.adhoc) return cached.list;
    this.everyDecided = { phase: this.phase.faults, adhoc: this.adhoc, list: Object.freeze(decided) };
    return decided;
  }

  /**
   * Whether deciding at the request head can give a connection more than deciding at accept
   * did: only a `match` (the scenario's or a fault's) looks at the request. When none does, a
   * switch with apply=all decides each open connection once, without rebuilding its request.
   */
  looksAtRequest(): boolean {
    if (this.current.match !== undefined) return true;
    return this.phase.faults.some((spec) => spec.match !== undefined) || this.adhoc.some((spec) => spec.match !== undefined);
  }

  /**
   * Takes one connection from a fault's `count`, for a decision made with `claim` false: false
   * when the count is used up. A switch with apply=all decides open connections without
   * claiming, then claims only for those the fault can still act on.
   */
  claim(spec: FaultSpec): boolean {
    if (spec.count === undefined) return true;
    const used = this.touched.get(spec.name) ?? 0;
    if (used >= spec.count) return false;
    this.touched.set(spec.name, used + 1);
    return true;
  }

  get adhocFaults(): readonly FaultSpec[] {
    return this.adhoc;
  }

  /** Adds a fault on top of the scenario; it survives scenario switches until removed. */
  addFault(spec: FaultSpec, apply: ApplyMode = 'all'): void {
    this.adhoc = [...this.adhoc.filter((f) => f.name !== spec.name), spec];
    this.notify({ apply, reason: 'scenario' });
  }

  removeFault(name: string): boolean {
    const before = this.adhoc.length;
    this.adhoc = this.adhoc.filter((f) => f.name !== name);
    if (this.adhoc.length === before) return false;
    this.notify({ apply: 'all', reason: 'scenario' });
    return true;
  }

  clearFaults(): void {
    this.adhoc = [];
  }

  onChange(listener: (change: EngineChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopTimer();
    this.listeners.clear();
  }

  private startPhase(index: number, from: string | null): void {
    this.phaseIndex = index;
    this.touched = new Map();
    this.epoch++;
    const phase = this.phase;
    // A scenario with plain `faults` has one endless phase and no timeline to report.
    if (Number.isFinite(this.current.phases[0]!.durationMs)) {
      this.options.bus.emit(this.options.proxy, 'phase.changed', { from, to: phase.name, scenario: this.current.name });
    }
    if (!Number.isFinite(phase.durationMs)) return;
    const last = index === this.current.phases.length - 1;
    // Without loop, the last phase stays in force once the timeline has run.
    if (last && !this.current.loop) return;
    this.phaseTimer = setTimeout(() => {
      this.phaseTimer = null;
      this.startPhase(last ? 0 : index + 1, phase.name);
      this.notify({ apply: 'all', reason: 'phase' });
    }, phase.durationMs);
    this.phaseTimer.unref();
  }

  private stopTimer(): void {
    if (this.phaseTimer) clearTimeout(this.phaseTimer);
    this.phaseTimer = null;
  }

  private notify(change: EngineChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
