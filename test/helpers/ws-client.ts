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
    ws.once('message', (message, isBinary) => resolve({ data: message as Buffer, isBinary }));
    ws.once('error', reject);
    ws.send(data, { binary });
  });
}
