import type { EventBus } from '../events/bus.js';
import type { AnyFaultDefinition } from '../faults/define.js';
import type { FaultContext, Layer, LayerHooks } from '../faults/hooks.js';
import { streamFor, type Random } from '../scenario/prng.js';
import type { FaultSpec } from '../scenario/types.js';
import type { FaultInstance, FaultListener } from './fault-instances.js';

/** What the faults of one proxy share: where their events go, and the seed `stream()` uses. */
export interface FaultOwner {
  readonly proxyName: string;
  readonly bus: EventBus;
  /** The scenario's seed, else the proxy's, when a fault asks for a stream. */
  readonly seed: number;
}

const NO_HOOKS = Object.freeze({});

/**
 * One fault in force on one connection, and the context its create() was given: one object
 * whose methods live on the prototype. A switch with apply=all makes one for every open
 * connection at once, and what survives the scavenger's copies is what makes a process's first
 * switch slow (issue #13): before, an instance, its context, an identity object and four
 * closures. The fault's own stream is made at its first use (most faults never draw from it).
 */
export class ConnectionFault implements FaultInstance<Layer>, FaultContext {
  /** The hooks create() returned, guarded (set right after create()). */
  hooks = NO_HOOKS as LayerHooks[Layer];
  private own: Random | null = null;

  constructor(
    readonly conn: string,
    readonly spec: FaultSpec,
    private readonly definition: AnyFaultDefinition,
    /** The seed when the fault was decided: its own stream's. */
    private readonly seed: number,
    readonly compression: 'keep' | 'strip',
    private readonly listener: FaultListener,
    private readonly owner: FaultOwner,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get type(): string {
    return this.spec.type;
  }

  get layer(): Layer {
    return this.spec.layer;
  }

  get changesStream(): boolean {
    return this.definition.changesStream === true;
  }

  /** FaultInstance: the context create() got is this object. */
  get context(): FaultContext {
    return this;
  }

  /** FaultContext: a function of its own (faults pass `ctx.random` on unbound). */
  get random(): Random {
    return (this.own ??= streamFor(this.seed, this.conn, this.spec.name));
  }

  stream(label: string): Random {
    return streamFor(this.owner.seed, this.conn, this.spec.name, label);
  }

  applied(detail?: unknown): void {
    this.listener.applied(this.spec.name);
    const { bus } = this.owner;
    if (bus.active) bus.emit(this.owner.proxyName, 'fault.applied', { conn: this.conn, fault: this.identity(), ...(detail !== undefined ? { detail } : {}) });
  }

  skipped(reason: string, detail?: unknown): void {
    const { bus } = this.owner;
    if (bus.active) bus.emit(this.owner.proxyName, 'fault.skipped', { conn: this.conn, fault: this.identity(), reason, ...(detail !== undefined ? { detail } : {}) });
  }

  /** A hook (or create()) threw: the connection ends, the event names the fault. */
  failed(error: unknown): void {
    this.listener.failed(this.identity(), error);
  }

  private identity(): { name: string; type: string } {
    return { name: this.spec.name, type: this.spec.type };
  }
}
