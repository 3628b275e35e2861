import type { Socket } from 'node:net';

/** What a reader of a connection's first bytes (a request head, a ClientHello) listens for. */
export interface FirstBytesReader {
  data(chunk: Buffer): void;
  /** The peer ended or the socket closed before the reader had what it needs. */
  gone(): void;
  error(error: Error & { code?: string }): void;
}

/**
 * Starts reading a socket's first bytes. The returned stop() removes every listener and pauses
 * the socket, so the bytes that follow stay in it for whoever reads next (OpenSSL, the HTTP
 * parser, the pipe), never for a reader that has finished.
 */
export function readFirstBytes(socket: Socket, reader: FirstBytesReader): () => void {
  const data = (chunk: Buffer) => reader.data(chunk);
  const gone = () => reader.gone();
  const error = (e: Error) => reader.error(e);
  socket.on('data', data);
  socket.on('end', gone);
  socket.on('close', gone);
  socket.on('error', error);
  socket.resume();
  return () => {
    socket.off('data', data);
    socket.off('end', gone);
    socket.off('close', gone);
    socket.off('error', error);
    socket.pause();
  };
}
