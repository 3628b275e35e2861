import WebSocket, { type ClientOptions } from 'ws';

export interface ClosedWith {
  code: number;
  reason: string;
}

/** Opens a ws client and resolves once open (rejects with the client's own error otherwise). */
export function openClient(url: string, protocols?: string | string[], options: ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Resolves with the client's close code and reason. */
export function closed(ws: WebSocket): Promise<ClosedWith> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Sends one message and resolves with the next one received. */
export function roundTrip(ws: WebSocket, data: string | Buffer, binary = typeof data !== 'string'): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (message, isBinary) => {
      ws.off('error', reject);
      resolve({ data: message as Buffer, isBinary });
    });
    ws.once('error', reject);
    ws.send(data, { binary });
  });
}

/** What a ws client saw when it tried to open a WebSocket: its error message and close code. */
export interface Attempt {
  opened: boolean;
  error: string | null;
  closeCode: number | null;
  openedAfterMs: number | null;
}

export function attemptWs(url: string, protocols?: string[], options: ClientOptions = {}): Promise<Attempt> {
  return new Promise((resolve) => {
    const started = Date.now();
    const ws = new WebSocket(url, protocols, options);
    const outcome: Attempt = { opened: false, error: null, closeCode: null, openedAfterMs: null };
    ws.on('open', () => {
      outcome.opened = true;
      outcome.openedAfterMs = Date.now() - started;
      ws.close(1000);
    });
    ws.on('error', (error) => (outcome.error = error.message));
    ws.on('close', (code) => resolve({ ...outcome, closeCode: code }));
  });
}
