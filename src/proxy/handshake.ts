import type { HandshakeRequest, HandshakeResponse, HandshakeVerdict } from '../faults/hooks.js';
import {
  serializeRequestHead,
  serializeResponseHead,
  type HeaderField,
  type RequestHead,
  type ResponseHead,
} from '../protocol/http-head.js';
import type { FaultInstance } from './fault-instances.js';

/**
 * Runs the handshake layer's hooks over one upgrade. Heads are copied only when a handshake
 * fault is in force, and re-serialised only when a hook really changed them: an untouched head
 * is forwarded as its original bytes.
 */

export function mutableRequest(head: RequestHead): HandshakeRequest {
  return { method: head.method, target: head.target, version: head.version, headers: head.headers.map(([n, v]) => [n, v] as HeaderField) };
}

export function mutableResponse(head: ResponseHead): HandshakeResponse {
  return { version: head.version, status: head.status, reason: head.reason, headers: head.headers.map(([n, v]) => [n, v] as HeaderField) };
}

/** The first verdict wins; hooks before it may have changed the request. */
export async function runRequestHooks(faults: FaultInstance<'handshake'>[], request: HandshakeRequest): Promise<HandshakeVerdict | null> {
  for (const fault of faults) {
    const verdict = await fault.hooks.onRequest?.(request);
    if (verdict) return verdict;
  }
  return null;
}

export async function runResponseHooks(faults: FaultInstance<'handshake'>[], response: HandshakeResponse, request: HandshakeRequest): Promise<void> {
  for (const fault of faults) await fault.hooks.onResponse?.(response, request);
}

function sameFields(a: HeaderField[], b: HeaderField[]): boolean {
  return a.length === b.length && a.every(([n, v], i) => n === b[i]![0] && v === b[i]![1]);
}

export function requestBytes(original: RequestHead, request: HandshakeRequest): Buffer {
  const same =
    original.method === request.method &&
    original.target === request.target &&
    original.version === request.version &&
    sameFields(original.headers, request.headers);
  return same ? original.raw : serializeRequestHead(request);
}

export function responseBytes(original: ResponseHead, response: HandshakeResponse): Buffer {
  const same =
    original.version === response.version &&
    original.status === response.status &&
    original.reason === response.reason &&
    sameFields(original.headers, response.headers);
  return same ? original.raw : serializeResponseHead(response);
}

/**
 * The first message fault that changes the stream (its definition says so) whose scenario wants
 * compression stripped, if any: a dropped or altered compressed message breaks the peer's inflater.
 */
export function compressionStripper(faults: FaultInstance<'messages'>[]): FaultInstance<'messages'> | undefined {
  return faults.find((f) => f.changesStream && f.compression === 'strip');
}

/** Removes permessage-deflate from the client's extension offer; true if there was one. */
export function stripDeflateOffer(request: HandshakeRequest): boolean {
  let stripped = false;
  const headers: HeaderField[] = [];
  for (const [name, value] of request.headers) {
    if (name.toLowerCase() !== 'sec-websocket-extensions') {
      headers.push([name, value]);
      continue;
    }
    const kept = value.split(',').filter((offer) => offer.split(';')[0]!.trim().toLowerCase() !== 'permessage-deflate');
    if (kept.length !== value.split(',').length) stripped = true;
    if (kept.length > 0) headers.push([name, kept.join(',').trim()]);
  }
  request.headers = headers;
  return stripped;
}
