/**
 * HTTP/1.1 message heads as they are on the wire: the start line and the header fields in their
 * original case and order, plus the raw bytes, so an untouched head is forwarded byte for byte
 * and a rewritten one changes only what a fault asked for.
 */

export type HeaderField = [name: string, value: string];

export interface RequestHead {
  method: string;
  target: string;
  version: string;
  headers: HeaderField[];
  /** The exact bytes of the head, CRLFCRLF included. */
  raw: Buffer;
}

export interface ResponseHead {
  version: string;
  status: number;
  reason: string;
  headers: HeaderField[];
  raw: Buffer;
}

/** Why a head was refused, with the status the client should get. */
export class HeadError extends Error {
  constructor(
    readonly status: 400 | 431 | 502,
    message: string,
  ) {
    super(message);
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
// RFC 9110 token characters: what a method or a field name may contain.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// A field value may hold visible characters, spaces and tabs, and obs-text; never NUL, CR or LF.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_LINE = /^([^ ]+) ([^ ]+) HTTP\/(\d\.\d)$/;
const STATUS_LINE = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/;

/** Index just past the CRLFCRLF that ends the head, or -1 while it is incomplete. */
export function headEnd(buffer: Buffer): number {
  const at = buffer.indexOf(CRLFCRLF);
  return at === -1 ? -1 : at + 4;
}

/**
 * Checks the start line as soon as it is complete, so a peer that sends no HTTP at all is
 * answered at once instead of after the head size limit.
 */
export function checkRequestLine(buffer: Buffer): void {
  const eol = buffer.indexOf('\r\n');
  if (eol === -1) return;
  const line = buffer.toString('latin1', 0, eol);
  const m = REQUEST_LINE.exec(line);
  if (!m || !TOKEN.test(m[1]!)) throw new HeadError(400, 'malformed request line');
}

function parseFields(lines: string[]): HeaderField[] {
  const headers: HeaderField[] = [];
  for (const line of lines) {
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') throw new HeadError(400, 'obsolete line folding is not accepted');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HeadError(400, `malformed header line`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HeadError(400, `invalid character in header name`);
    const value = line.slice(colon + 1).trim();
    if (!FIELD_VALUE.test(value)) throw new HeadError(400, `invalid character in value of ${name}`);
    headers.push([name, value]);
  }
  return headers;
}

/** Parses a complete request head (`raw` ends with CRLFCRLF). */
export function parseRequestHead(raw: Buffer): RequestHead {
  const lines = raw.toString('latin1', 0, raw.length - 4).split('\r\n');
  const m = REQUEST_LINE.exec(lines[0] ?? '');
  if (!m || !TOKEN.test(m[1]!)) throw new HeadError(400, 'malformed request line');
  const headers = parseFields(lines.slice(1));
  rejectAmbiguousFraming(headers);
  return { method: m[1]!, target: m[2]!, version: m[3]!, headers, raw };
}

/** Parses a complete response head (`raw` ends with CRLFCRLF). */
export function parseResponseHead(raw: Buffer): ResponseHead {
  const lines = raw.toString('latin1', 0, raw.length - 4).split('\r\n');
  const m = STATUS_LINE.exec(lines[0] ?? '');
  if (!m) throw new HeadError(502, 'upstream sent a malformed status line');
  let headers: HeaderField[];
  try {
    headers = parseFields(lines.slice(1));
  } catch (error) {
    throw new HeadError(502, `upstream sent a malformed head: ${(error as Error).message}`);
  }
  return { version: m[1]!, status: Number(m[2]), reason: m[3] ?? '', headers, raw };
}

/**
 * Content-Length together with Transfer-Encoding, or two different Content-Lengths, are the
 * shapes of request smuggling: a proxy and a server may split the stream differently.
 */
function rejectAmbiguousFraming(headers: HeaderField[]): void {
  const lengths = new Set(all(headers, 'content-length'));
  if (lengths.size > 1) throw new HeadError(400, 'conflicting Content-Length headers');
  if (lengths.size > 0 && all(headers, 'transfer-encoding').length > 0) {
    throw new HeadError(400, 'Content-Length with Transfer-Encoding');
  }
}

/** The first value of a header (case-insensitive name), or undefined. */
export function header(headers: HeaderField[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/** Every value of a header, in order. */
export function all(headers: HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** Comma-separated list values of a header, trimmed and lower-cased: `Connection: keep-alive, Upgrade`. */
export function tokens(headers: HeaderField[], name: string): string[] {
  return all(headers, name)
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
}

/** An HTTP/1.1 request asking to become a WebSocket (RFC 6455 §4.1). */
export function isWebSocketUpgrade(head: RequestHead): boolean {
  return tokens(head.headers, 'upgrade').includes('websocket') && tokens(head.headers, 'connection').includes('upgrade');
}

/** Writes a request head from its parts (used only when a fault changed it). */
export function serializeRequestHead(head: Omit<RequestHead, 'raw'>): Buffer {
  return serialize(`${head.method} ${head.target} HTTP/${head.version}`, head.headers);
}

/** Writes a response head from its parts (used only when a fault changed it). */
export function serializeResponseHead(head: Omit<ResponseHead, 'raw'>): Buffer {
  const reason = head.reason ? ` ${head.reason}` : '';
  return serialize(`HTTP/${head.version} ${head.status}${reason}`, head.headers);
}

function serialize(startLine: string, headers: HeaderField[]): Buffer {
  let text = startLine + '\r\n';
  for (const [name, value] of headers) text += `${name}: ${value}\r\n`;
  return Buffer.from(text + '\r\n', 'latin1');
}

/** The path part of a request target (`/chat?x=1` → `/chat`; absolute-form too). */
export function targetPath(target: string): { path: string; query: string } {
  let rest = target;
  if (!rest.startsWith('/')) {
    try {
      const url = new URL(rest);
      rest = url.pathname + url.search;
    } catch {
      return { path: target, query: '' };
    }
  }
  const q = rest.indexOf('?');
  return q === -1 ? { path: rest, query: '' } : { path: rest.slice(0, q), query: rest.slice(q + 1) };
}
