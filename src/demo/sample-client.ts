import WebSocket from 'ws';
import type { Random } from '../scenario/prng.js';

/**
 * The demo's sample clients: each opens a WebSocket through the proxy, sends a message every
 * half second, and reconnects by its own schedule when the connection fails or ends. They are
 * the three shapes real client libraries take (../shared/research: socket.io, partysocket,
 * hand-written loops), scaled down so a one-minute demo shows several retries.
 */
export interface ReconnectStrategy {
  readonly name: string;
  readonly describe: string;
  /** How long to wait before attempt `failures + 1` after `failures` failures in a row. */
  wait(failures: number, random: Random): number;
}

export const STRATEGIES: readonly ReconnectStrategy[] = [
  {
    name: 'naive',
    describe: 'reconnects at once (50 ms)',
    wait: () => 50,
  },
  {
    name: 'backoff',
    describe: 'exponential backoff ×2 from 250 ms, ±50 % jitter, capped at 4 s (socket.io-style)',
    wait: (failures, random) => Math.min(4_000, 250 * 2 ** failures) * (0.5 + random()),
  },
  {
    name: 'party',
    describe: 'grows ×1.3 from 500 ms, no jitter, capped at 5 s (partysocket-style)',
    wait: (failures) => Math.min(5_000, 500 * 1.3 ** failures),
  },
];

/** What one client saw during one stretch of the demo (one scenario). */
export interface Observation {
  attempts: number;
  opened: number;
  echoed: number;
  /** Failure labels ("426", "close 1012", "reset") with how often each happened. */
  failures: Map<string, number>;
  /** From a failure to the next successful open, in ms. */
  recoveries: number[];
}

const freshObservation = (): Observation => ({ attempts: 0, opened: 0, echoed: 0, failures: new Map(), recoveries: [] });

export class SampleClient {
  private socket: WebSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private sender: NodeJS.Timeout | null = null;
  private failures = 0;
  private failedAt: number | null = null;
  private stopped = false;
  private seen = freshObservation();

  constructor(
    private readonly url: string,
    readonly strategy: ReconnectStrategy,
    private readonly random: Random,
  ) {}

  start(): void {
    this.connect();
  }

  /** Returns what was seen since the last call and starts a new observation. */
  take(): Observation {
    const seen = this.seen;
    this.seen = freshObservation();
    return seen;
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.sender) clearInterval(this.sender);
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      // A proxy scenario may hold the close (blackhole); do not let the demo's exit wait on it.
      setTimeout(() => socket.terminate(), 500).unref();
      socket.close(1000, 'demo over');
    });
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = new WebSocket(`${this.url}/?client=${this.strategy.name}`, { handshakeTimeout: 3_000 });
    this.socket = socket;
    let label: string | null = null;
    let opened = false;
    socket.on('unexpected-response', (_request, response) => {
      label = String(response.statusCode);
      response.resume();
      socket.terminate();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      label ??= error.code === 'ECONNRESET' ? 'reset' : error.code ?? 'error';
    });
    socket.on('open', () => {
      // An attempt counts where its outcome is known: one in flight when the scenario changes
      // belongs to the stretch that decided it.
      opened = true;
      this.seen.attempts++;
      this.seen.opened++;
      if (this.failedAt !== null) this.seen.recoveries.push(Date.now() - this.failedAt);
      this.failures = 0;
      this.failedAt = null;
      this.sender = setInterval(() => socket.send('hello'), 500);
    });
    socket.on('message', () => this.seen.echoed++);
    socket.on('close', (code) => {
      if (this.sender) clearInterval(this.sender);
      this.sender = null;
      if (this.stopped) return;
      if (!opened) this.seen.attempts++;
      this.record(label ?? (code === 1006 ? 'dropped' : `close ${code}`));
      this.timer = setTimeout(() => this.connect(), this.strategy.wait(this.failures++, this.random));
    });
  }

  private record(label: string): void {
    this.seen.failures.set(label, (this.seen.failures.get(label) ?? 0) + 1);
    this.failedAt ??= Date.now();
  }
}
