import type { MessageControl } from '../faults/hooks.js';
import { atTime } from './at-time.js';
import type { FaultInstance } from './fault-instances.js';

/** What the messages layer needs from its connection. */
export interface MessageHost {
  /** performance.now() when the connection was accepted (`after` counts from there). */
  readonly openedAt: number;
  /** Data messages so far, both ways. */
  messageCount(): number;
  /** Calls `listener` as each data message completes; returns the unsubscribe. */
  onMessage(listener: () => void): () => void;
  readonly control: MessageControl;
}

/** One installed fault of a connection: its timers, and whether it acts now. */
class Installed {
  started = false;
  active = false;
  /** Cancels the wait for `after`. */
  cancelStart: (() => void) | null = null;
  endTimer: NodeJS.Timeout | null = null;
  unsubscribe: (() => void) | null = null;
  stopFault: (() => void) | void = undefined;

  constructor(
    readonly fault: FaultInstance<'messages'>,
    /** It has an onUnit or decide hook: the message pipelines ask it per unit while active. */
    readonly changesUnits: boolean,
  ) {}
}

const NONE: FaultInstance<'messages'>[] = [];

/**
 * The message faults of one open WebSocket. Each starts when its `after` time and its
 * `afterMessages` count have both passed (either may be absent) and stops `for` later, on a
 * scenario switch, or when the connection ends.
 *
 * A switch with apply=all installs faults on every open connection at once, so what one
 * installation allocates is kept small: one record per fault (no Map, Set or closures unless a
 * timer or a message count needs one), and the active stream-changing faults kept as an array
 * that is replaced, never changed, when one starts or stops (a pipeline may hold the one it got).
 */
export class MessageLayer {
  private installed: Installed[] = [];
  private units: FaultInstance<'messages'>[] = NONE;

  constructor(private readonly host: MessageHost) {}

  /** The stream-changing faults active now, in order (the message pipelines ask per unit). */
  activeUnitFaults(): FaultInstance<'messages'>[] {
    return this.units;
  }

  install(faults: FaultInstance<'messages'>[]): void {
    for (let i = 0; i < faults.length; i++) {
      const fault = faults[i]!;
      if (this.find(fault.name)) continue;
      const installed = new Installed(fault, Boolean(fault.hooks.onUnit || fault.hooks.decide));
      // A literal for the first: push on [] makes room for 17.
      if (this.installed.length === 0) this.installed = [installed];
      else this.installed.push(installed);
      this.schedule(installed);
    }
  }

  replace(faults: FaultInstance<'messages'>[]): void {
    this.stopAll();
    this.install(faults);
  }

  stopAll(): void {
    const installed = this.installed;
    this.installed = [];
    this.units = NONE;
    for (let i = 0; i < installed.length; i++) {
      const one = installed[i]!;
      one.cancelStart?.();
      if (one.endTimer) clearTimeout(one.endTimer);
      one.unsubscribe?.();
      one.active = false;
      one.stopFault?.();
    }
  }

  private find(name: string): Installed | undefined {
    for (let i = 0; i < this.installed.length; i++) if (this.installed[i]!.fault.name === name) return this.installed[i];
    return undefined;
  }

  private schedule(one: Installed): void {
    const { after = 0, afterMessages = 0 } = one.fault.spec;
    if (afterMessages > 0) one.unsubscribe = this.host.onMessage(() => this.begin(one));
    // Already due (no `after`): start now, before the first message can slip past.
    if (after === 0 && afterMessages === 0) this.begin(one);
    else if (after > 0) one.cancelStart = atTime(this.host.openedAt + after, () => this.begin(one));
  }

  private begin(one: Installed): void {
    if (one.started) return;
    const { after = 0, afterMessages = 0, for: lasts } = one.fault.spec;
    // Before `after`, a message's call waits for the one atTime makes then.
    if (after > 0 && performance.now() < this.host.openedAt + after) return;
    if (this.host.messageCount() < afterMessages) return; // the next message calls begin again
    one.started = true;
    one.unsubscribe?.();
    this.setActive(one, true);
    one.stopFault = one.fault.hooks.start?.(this.host.control);
    if (lasts !== undefined) {
      one.endTimer = setTimeout(() => {
        this.setActive(one, false);
        one.stopFault?.();
      }, lasts);
    }
  }

  private setActive(one: Installed, active: boolean): void {
    one.active = active;
    if (!one.changesUnits || !this.installed.includes(one)) return;
    const units: FaultInstance<'messages'>[] = [];
    for (let i = 0; i < this.installed.length; i++) {
      const each = this.installed[i]!;
      if (each.changesUnits && each.active) units.push(each.fault);
    }
    this.units = units.length === 0 ? NONE : units;
  }
}
