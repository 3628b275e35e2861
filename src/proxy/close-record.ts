import type { Side } from './sides.js';

export type CloseHow = 'close-frame' | 'fin' | 'rst';

export interface KillOptions {
  how: CloseHow;
  code?: number;
  reason?: string;
}

export interface CloseSummary {
  by: Side | 'proxy';
  how: CloseHow;
  code?: number;
}

/**
 * Who ended a connection and how, for the `connection.close` event: the proxy if it ended it
 * (a kill, a fault, a protocol error), else the first Close frame seen, else the first FIN or
 * RST. Each is recorded once: the first word is the one that counts.
 */
export class CloseRecord {
  private firstClose: { by: Side; code: number } | null = null;
  private firstEnd: { by: Side; how: 'fin' | 'rst' } | null = null;
  private killed: KillOptions | null = null;

  /** The proxy is ending the connection (kill, fault, protocol error, shutdown). */
  proxyEnds(options: KillOptions): void {
    this.killed ??= options;
  }

  /** True once the proxy decided to end it: a peer's FIN then is not passed on. */
  get byProxy(): boolean {
    return this.killed !== null;
  }

  /** True while the proxy ends it with Close frames and waits for the peers' answers. */
  get byCloseFrames(): boolean {
    return this.killed?.how === 'close-frame';
  }

  closeFrame(by: Side, code: number): void {
    this.firstClose ??= { by, code };
  }

  end(by: Side, how: 'fin' | 'rst'): void {
    this.firstEnd ??= { by, how };
  }

  summary(): CloseSummary {
    if (this.killed) {
      const how = this.killed.how;
      return { by: 'proxy', how, ...(how === 'close-frame' ? { code: this.killed.code ?? 1001 } : {}) };
    }
    if (this.firstClose) return { by: this.firstClose.by, how: 'close-frame', code: this.firstClose.code };
    return this.firstEnd ?? { by: 'client', how: 'fin' };
  }
}
