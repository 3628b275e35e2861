import type { Socket } from 'node:net';
import type { HandshakeRequest, HandshakeVerdict } from '../faults/hooks.js';
import { header, parseResponseHead, tokens, type RequestHead, type ResponseHead } from '../protocol/http-head.js';
import { formatHostPort, type Target } from './address.js';
import type { FaultsInForce } from './fault-instances.js';
import { compressionStripper, mutableRequest, mutableResponse, requestBytes, responseBytes, runRequestHooks, runResponseHooks, stripDeflateOffer } from './handshake.js';
import { HeadTimeoutError, PeerClosedError, readHead } from './head-reader.js';
import type { Limits } from './limits.js';
import { Pipe } from './pipe.js';
import { unreachableBody, writeMadeUpResponse, writeResponse } from './responses.js';

/** What the upgrade flow needs from its connection. */
export interface UpgradeHost {
  readonly client: Socket;
  readonly target: Target;
  readonly limits: Limits;
  faults(): FaultsInForce;
  /** False once the proxy began ending the connection, or it has ended. */
  alive(): boolean;
  dial(target: Target, timeoutMs: number): Promise<Socket>;
  beforeDial(): Promise<void>;
  /** The upstream socket is connected: the connection owns it from now on. */
  adopt(upstream: Socket): void;
  /** Not a WebSocket after all: bytes pass as they are from now on. */
  becomeTunnel(): void;
  /** The 101 was passed on: frames flow through the two pipes. */
  becomeWebSocket(up: Pipe, down: Pipe, response: ResponseHead): void;
  /** The upstream answered (a non-101 or a 101): from now on its FIN passes to the client. */
  upstreamAnswered(): void;
  handshakeEvent(subprotocols: string[], status: number | null): void;
  upstreamError(error: Error & { code?: string }): void;
  /** A timer the connection clears when it closes. */
  keepTimer(timer: NodeJS.Timeout): void;
}

/**
 * Forwards an upgrade request and its answer through the handshake faults in force: heads are
 * copied and re-serialised only when a fault changed them, a fault may answer in the upstream's
 * place, and after a 101 two Pipes carry the frames. Entered for the first request and again
 * when an upgrade follows plain requests on a keep-alive socket.
 */
export async function forwardUpgrade(host: UpgradeHost, request: RequestHead, rest: Buffer): Promise<void> {
  const faults = host.faults();
  const offered = tokens(request.headers, 'sec-websocket-protocol');

  let outgoing = request.raw;
  let changed: HandshakeRequest | null = null;
  const stripper = compressionStripper(faults.messages);
  if (faults.handshake.length > 0 || stripper) {
    changed = mutableRequest(request);
    const verdict = await runRequestHooks(faults.handshake, changed);
    if (host.client.destroyed || !host.alive()) return;
    if (verdict) return answerInstead(host, verdict, offered);
    if (stripper && stripDeflateOffer(changed)) stripper.context.applied({ compression: "the client's permessage-deflate offer was stripped (compression: keep turns this off)" });
    outgoing = requestBytes(request, changed);
  }

  const { target, limits } = host;
  let upstream: Socket;
  try {
    await host.beforeDial();
    upstream = await host.dial(target, limits.connectTimeoutMs);
  } catch (error) {
    host.upstreamError(error as Error);
    host.becomeTunnel();
    writeResponse(host.client, 502, unreachableBody(formatHostPort(target.host, target.port), error as Error));
    return host.handshakeEvent(offered, 502);
  }
  if (host.client.destroyed || !host.alive()) return void upstream.destroy();
  host.adopt(upstream);
  upstream.write(outgoing);
  const up = new Pipe(host.client, upstream, 'upstream');
  // Anything the client sends after its upgrade request is already frames (or, if the
  // upgrade is refused, whatever HTTP it sends next): follow frames until the answer says.
  up.trackFrames();
  up.push(rest);
  up.start();

  let response: ResponseHead;
  let responseRest: Buffer;
  try {
    const read = await readHead(upstream, { maxBytes: limits.maxHeadBytes, timeoutMs: limits.handshakeTimeoutMs, request: false });
    response = parseResponseHead(read.head);
    responseRest = read.rest;
  } catch (error) {
    up.stop();
    return upstreamFailed(host, upstream, error as Error, offered);
  }
  let status = response.status;
  let responseOut = response.raw;
  if (changed) {
    const answer = mutableResponse(response);
    await runResponseHooks(faults.handshake, answer, changed);
    responseOut = responseBytes(response, answer);
    status = answer.status;
  }
  if (host.client.destroyed || !host.alive()) return;
  host.client.write(responseOut);
  const down = new Pipe(upstream, host.client, 'downstream');
  if (response.status === 101) {
    host.becomeWebSocket(up, down, response);
  } else {
    // Not a WebSocket: the rest of this connection is an opaque byte tunnel.
    host.becomeTunnel();
    up.untrack();
  }
  host.upstreamAnswered();
  down.push(responseRest);
  down.start();
  host.handshakeEvent(offered, status);
}

/** The first subprotocol the server chose, from its 101. */
export function chosenSubprotocol(response: ResponseHead): string | null {
  return header(response.headers, 'sec-websocket-protocol') ?? null;
}

/** A handshake fault answers the upgrade itself, or closes, or never answers. */
function answerInstead(host: UpgradeHost, verdict: HandshakeVerdict, offered: string[]): void {
  const { client } = host;
  host.becomeTunnel();
  if (verdict.action === 'respond') {
    writeMadeUpResponse(client, verdict.status, verdict.headers, verdict.body);
    return host.handshakeEvent(offered, verdict.status);
  }
  host.handshakeEvent(offered, null);
  // What the client sends meanwhile is read and dropped: the request was "received".
  client.on('data', () => {});
  client.resume();
  const close = () => {
    if (verdict.how === 'rst') client.resetAndDestroy();
    else client.end();
  };
  if (verdict.afterMs === 0) close();
  else if (Number.isFinite(verdict.afterMs)) host.keepTimer(setTimeout(close, verdict.afterMs));
}

/** The upstream did not answer the upgrade in time, closed, or answered garbage: 504 or 502. */
function upstreamFailed(host: UpgradeHost, upstream: Socket, error: Error, offered: string[]): void {
  const { target, limits, client } = host;
  const hostPort = formatHostPort(target.host, target.port);
  host.upstreamError(error);
  upstream.destroy();
  if (!host.alive()) return;
  host.becomeTunnel();
  if (error instanceof HeadTimeoutError) {
    writeResponse(client, 504, `wsfault: upstream ${hostPort} did not answer the upgrade within ${limits.handshakeTimeoutMs} ms`);
    return host.handshakeEvent(offered, 504);
  }
  const why = error instanceof PeerClosedError ? 'closed the connection without answering' : error.message;
  writeResponse(client, 502, `wsfault: upstream ${hostPort} ${why.startsWith('upstream ') ? why.slice(9) : why}`);
  host.handshakeEvent(offered, 502);
}
