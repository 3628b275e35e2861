import type { Socket } from 'node:net';
import type { Stage, TransportControl } from '../faults/hooks.js';
import { ClientLink, type LinkEvents } from '../transport/client-link.js';
import { atTime } from './at-time.js';
import type { FaultInstance } from './fault-instances.js';

/** What the transport layer needs from its connection. */
export interface TransportHost extends LinkEvents {
  readonly socket: Socket;
  /** performance.now() when the connection was accepted: `after` and `for` count from there. */
  readonly openedAt: number;
  /** The connection reads and writes through `link` from now on. */
  useLink(link: ClientLink): void;
  control(link: ClientLink): TransportControl;
}

/**
 * The transport faults of one connection. Stages go into a ClientLink around the client's
 * socket (created only when some transport fault needs it, so pass-through never pays for it);
 * what a fault does over time starts `after` the connection opened and stops `for` later.
 * Faults that arrive with a scenario switch or a new phase start then; their stages join the
 * link if the connection has one. The connection makes its layer at the first transport fault.
 */
export class TransportLayer {
  private link: ClientLink | null = null;
  private readonly running = new Map<string, () => void>();
  constructor(private readonly host: TransportHost) {}

  /** Links the socket and starts the faults; admission is the caller's. */
  install(faults: FaultInstance<'transport'>[], mayLink: boolean): void {
    const needsLink = faults.some((f) => f.hooks.stages || f.hooks.start);
    if (needsLink && !this.link && mayLink) {
      this.link = new ClientLink(this.host.socket, { upstream: [], downstream: [] }, { peerReset: (e) => this.host.peerReset(e), cut: () => this.host.cut() });
      this.host.useLink(this.link);
    }
    for (const fault of faults) this.startFault(fault);
  }

  /**
   * A new set of faults (apply=all, a new phase): everything running stops, stages are
   * replaced (an end a stage was holding goes on) and the new set starts, timed from when the
   * connection opened.
   */
  replace(faults: FaultInstance<'transport'>[]): void {
    this.stopAll();
    if (this.link) {
      this.link.up.stages.length = 0;
      this.link.down.stages.length = 0;
    }
    this.install(faults, false);
    this.link?.reconsiderEnds();
  }

  stopAll(): void {
    for (const stop of this.running.values()) stop();
    this.running.clear();
  }

  private startFault(fault: FaultInstance<'transport'>): void {
    const { stages, start } = fault.hooks;
    const { after = 0, for: lasts } = fault.spec;
    const from = this.host.openedAt + after;
    const until = lasts === undefined ? Infinity : from + lasts;
    const inWindow = (at: number) => at >= from && at < until;
    let cancelWindowEnd: (() => void) | null = null;
    if (stages && this.link) {
      if (stages.upstream) this.link.up.stages.push(windowed(stages.upstream, inWindow));
      if (stages.downstream) this.link.down.stages.push(windowed(stages.downstream, inWindow));
      // When the window closes, an end a stage swallowed inside it goes on.
      const link = this.link;
      if (Number.isFinite(until)) cancelWindowEnd = atTime(until, () => link.reconsiderEnds());
    }
    if (!start || this.running.has(fault.name) || !this.link) {
      if (cancelWindowEnd) this.running.set(fault.name, cancelWindowEnd);
      return;
    }
    let stopFault: (() => void) | void;
    const link = this.link;
    // fault.applied (from start) then means the stages' window is open: an end read just after it is held.
    const cancelBegin = atTime(from, () => {
      stopFault = start(this.host.control(link));
    });
    const cancelEnd = lasts === undefined ? null : atTime(until, () => stopFault?.());
    this.running.set(fault.name, () => {
      cancelBegin();
      cancelEnd?.();
      cancelWindowEnd?.();
      stopFault?.();
    });
  }
}

/** Outside the fault's window a piece passes unchanged (order is still kept by the queue), and ends pass. */
function windowed(stage: Stage, inWindow: (at: number) => boolean): Stage {
  const wrapped: Stage = (piece) => (inWindow(piece.at) ? stage(piece) : [piece]);
  if (stage.holdsEnd) wrapped.holdsEnd = (at) => inWindow(at) && stage.holdsEnd!(at);
  return wrapped;
}
