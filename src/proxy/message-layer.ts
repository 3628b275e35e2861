import type { MessageControl } from '../faults/hooks.js';
import type { FaultInstance } from './fault-instances.js';

/** What the messages layer needs from its connection. */
export interface MessageHost {
  /** Date.now() when the connection was accepted (`after` counts from there). */
  readonly openedAt: number;
  /** Data messages so far, both ways. */
  messages(): number;
  /** Calls `listener` as each data message completes; returns the unsubscribe. */
  onMessage(listener: () => void): () => void;
  readonly control: MessageControl;
}

/**
 * The message faults of one open WebSocket. Each starts when its `after` time and its
 * `afterMessages` count have both passed (either may be absent) and stops `for` later, on a
 * scenario switch, or when the connection ends.
 */
export class MessageLayer {
  private readonly running = new Map<string, () => void>();
  /** Faults with an onUnit or decide hook, in scenario order, and which of them are active now. */
  private unitFaults: FaultInstance<'messages'>[] = [];
  private readonly active = new Set<string>();

  constructor(private readonly host: MessageHost) {}

  /** The stream-changing faults active now, in order (the message pipelines ask per unit). */
  activeUnitFaults(): FaultInstance<'messages'>[] {
    return this.unitFaults.filter((f) => this.active.has(f.name));
  }

  install(faults: FaultInstance<'messages'>[]): void {
    this.unitFaults = [...this.unitFaults.filter((f) => this.running.has(f.name)), ...faults.filter((f) => (f.hooks.onUnit || f.hooks.decide) && !this.running.has(f.name))];
    for (const fault of faults) if (!this.running.has(fault.name)) this.schedule(fault);
  }

  replace(faults: FaultInstance<'messages'>[]): void {
    this.stopAll();
    this.install(faults);
  }

  stopAll(): void {
    for (const stop of this.running.values()) stop();
    this.running.clear();
    this.active.clear();
    this.unitFaults = [];
  }

  private schedule(fault: FaultInstance<'messages'>): void {
    const { start } = fault.hooks;
    const { after = 0, afterMessages = 0, for: lasts } = fault.spec;
    let timer: NodeJS.Timeout | null = null;
    let endTimer: NodeJS.Timeout | null = null;
    let unsubscribe: (() => void) | null = null;
    let stopFault: (() => void) | void;
    let started = false;
    const begin = () => {
      if (started) return;
      // Timers may fire a millisecond early by the wall clock: aim again rather than miss.
      const wait = this.host.openedAt + after - Date.now();
      if (wait > 0) {
        timer = setTimeout(begin, wait);
        return;
      }
      if (this.host.messages() < afterMessages) return; // the next message calls begin again
      started = true;
      unsubscribe?.();
      this.active.add(fault.name);
      stopFault = start?.(this.host.control);
      if (lasts !== undefined) {
        endTimer = setTimeout(() => {
          this.active.delete(fault.name);
          stopFault?.();
        }, lasts);
      }
    };
    if (afterMessages > 0) unsubscribe = this.host.onMessage(begin);
    // Already due (no `after`): start now, before the first message can slip past.
    if (after === 0 && afterMessages === 0) begin();
    else timer = setTimeout(begin, Math.max(0, this.host.openedAt + after - Date.now()));
    this.running.set(fault.name, () => {
      if (timer) clearTimeout(timer);
      if (endTimer) clearTimeout(endTimer);
      unsubscribe?.();
      this.active.delete(fault.name);
      stopFault?.();
    });
  }
}
