import type { Socket } from 'node:net';
import type { TransportControl } from '../faults/hooks.js';
import { ClientLink } from '../transport/client-link.js';
import type { FaultInstance } from './fault-instances.js';

/** What the transport layer needs from its connection. */
export interface TransportHost {
  readonly socket: Socket;
  /** The connection reads and writes through `link` from now on. */
  useLink(link: ClientLink): void;
  control(link: ClientLink): TransportControl;
}

/**
 * The transport faults of one connection. Timing stages go into a ClientLink around the
 * client's socket (created only when some transport fault needs it, so pass-through never
 * pays for it); what a fault does over time starts `after` the connection opened and stops
 * `for` later. Faults that arrive with a scenario switch or a new phase start then; their
 * timing stages join the link if the connection has one.
 */
export class TransportLayer {
  private link: ClientLink | null = null;
  private readonly running = new Map<string, () => void>();
  private readonly openedAt = performance.now();

  constructor(private readonly host: TransportHost) {}

  /** Links the socket and starts the faults; admission (refuse) is the caller's. */
  install(faults: FaultInstance<'transport'>[], mayLink: boolean): void {
    const needsLink = faults.some((f) => f.hooks.stages || f.hooks.start);
    if (needsLink && !this.link && mayLink) {
      this.link = new ClientLink(this.host.socket, { upstream: [], downstream: [] });
      this.host.useLink(this.link);
    }
    for (const fault of faults) this.startFault(fault);
  }

  /**
   * A new set of faults (apply=all, a new phase): everything running stops (a blackhole lets
   * traffic through again) and the new set starts, timed from when the connection opened.
   */
  replace(faults: FaultInstance<'transport'>[]): void {
    this.stopAll();
    if (this.link) {
      this.link.up.stages.length = 0;
      this.link.down.stages.length = 0;
    }
    this.install(faults, false);
  }

  stopAll(): void {
    for (const stop of this.running.values()) stop();
    this.running.clear();
  }

  private startFault(fault: FaultInstance<'transport'>): void {
    const { stages, start } = fault.hooks;
    const { after = 0, for: lasts } = fault.spec;
    const inWindow = (at: number) => at >= this.openedAt + after && (lasts === undefined || at < this.openedAt + after + lasts);
    if (stages && this.link) {
      // Outside the fault's window a piece passes unchanged (order is still kept by the queue).
      if (stages.upstream) this.link.up.stages.push((piece) => (inWindow(piece.at) ? stages.upstream!(piece) : [piece]));
      if (stages.downstream) this.link.down.stages.push((piece) => (inWindow(piece.at) ? stages.downstream!(piece) : [piece]));
    }
    if (!start || this.running.has(fault.name) || !this.link) return;
    let stopFault: (() => void) | void;
    const begin = setTimeout(() => {
      stopFault = start(this.host.control(this.link!));
    }, Math.max(0, this.openedAt + after - performance.now()));
    const end = lasts === undefined ? null : setTimeout(() => stopFault?.(), Math.max(0, this.openedAt + after + lasts - performance.now()));
    this.running.set(fault.name, () => {
      clearTimeout(begin);
      if (end) clearTimeout(end);
      stopFault?.();
    });
  }
}
