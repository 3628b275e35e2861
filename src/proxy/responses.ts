import type { Socket } from 'node:net';
import { nodeHttp } from '../node-builtins.js';

/**
 * Writes a complete plain-text HTTP response on a raw socket and half-closes it: what the proxy
 * answers itself when there is no upstream answer to pass on (502, 504, 400, 431, 408).
 */
export function writeResponse(socket: Socket, status: number, body: string, extraHeaders: [string, string][] = []): void {
  if (socket.destroyed || !socket.writable) return;
  const payload = Buffer.from(body + '\n', 'utf8');
  let head = `HTTP/1.1 ${status} ${nodeHttp().STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of extraHeaders) head += `${name}: ${value}\r\n`;
  head += `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), payload]));
}

/** The SPEC §2 body for an upstream that cannot be reached. */
export function unreachableBody(hostPort: string, error: Error & { code?: string }): string {
  return `wsfault: cannot reach upstream ${hostPort} (${error.code ?? error.message})`;
}

/**
 * A response a handshake fault makes up (status): its headers as the fault gave them, plus
 * Content-Length and `Connection: close` unless it set them, then the socket is half-closed.
 */
export function writeMadeUpResponse(socket: Socket, status: number, headers: [string, string][], body: string): void {
  if (socket.destroyed || !socket.writable) return;
  const payload = Buffer.from(body, 'utf8');
  const has = (name: string) => headers.some(([n]) => n.toLowerCase() === name);
  const all: [string, string][] = [...headers];
  if (!has('content-length')) all.push(['Content-Length', String(payload.length)]);
  if (!has('connection')) all.push(['Connection', 'close']);
  let head = `HTTP/1.1 ${status} ${nodeHttp().STATUS_CODES[status] ?? 'Unknown'}\r\n`;
  for (const [name, value] of all) head += `${name}: ${value}\r\n`;
  socket.end(Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), payload]));
}
