import type { Socket } from 'node:net';

/** The two peers of a proxied connection. */
export type Side = 'client' | 'server';

/**
 * A stream the proxy reads the client from and writes the client to: the raw socket, or a
 * ClientLink around it (transport stages). Ends passed on from the other peer go through
 * `relayEnd`/`relayReset` when present, so the link's stages may hold them.
 */
export type ClientStream = Socket & { relayEnd?(): void; relayReset?(): void };

/** Passes a FIN on in kind. */
export function relayFin(stream: ClientStream | Socket | null): void {
  if (!stream || stream.destroyed) return;
  const relay = (stream as ClientStream).relayEnd;
  if (relay) relay.call(stream);
  else stream.end();
}

/** Passes a RST on in kind. */
export function relayRst(stream: ClientStream | Socket | null): void {
  if (!stream || stream.destroyed) return;
  const relay = (stream as ClientStream).relayReset;
  if (relay) relay.call(stream);
  else stream.resetAndDestroy();
}
