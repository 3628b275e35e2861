import net, { type Socket } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * Reads into buffers the proxy owns (Node's `onread`), instead of a fresh 64 KiB ArrayBuffer per
 * read: V8 counts each of those as external memory and runs full collections on "external memory
 * pressure" during bulk streams (docs/PERFORMANCE.md, "Pass-through CPU").
 *
 * Two modes per socket:
 * - copy (every socket starts here): reads go into ONE process-wide shared buffer and each chunk
 *   is copied before anyone sees it, then pushed into the socket as Node would push its own, so
 *   every consumer (head reader, TLS sniffing, transport links, parsed frames) may keep chunks,
 *   and pause, unshift and end behave as before. The shared buffer is never lent: Node's C++
 *   side of every socket keeps a pointer to the buffer it was last given (the generator runs
 *   after each read of that socket only), so other sockets' reads overwrite it.
 * - private: after a few large reads in a row on a socket whose only reader is a Borrower (the
 *   plain pass-through Pipe) the socket gets a 64 KiB buffer of its own, and the Borrower takes
 *   views of it without a copy. A view a write kept (the kernel did not take it all) is lent:
 *   that buffer is never read into again, the socket gets another. A few small reads in a row
 *   (the stream went quiet or interactive) hand the buffer back; one does not: a bulk stream
 *   has them between large ones (a 64 KiB message's last 14 bytes after a 64 KiB read), and
 *   giving the buffer back there cost the next BULK_RUN reads a copy each. At most PRIVATE_MAX
 *   sockets hold one, so 10 000 idle WebSockets cost one 64 KiB buffer, not 10 000.
 */

const SIZE = 64 * 1024;
/** A read at least this large counts toward bulk; BULK_RUN of them in a row make a socket private. */
const LARGE = 16 * 1024;
const BULK_RUN = 3;
/** SMALL_RUN reads below SMALL in a row on a private buffer give the buffer back. */
const SMALL = 1024;
const SMALL_RUN = 4;
/** Sockets holding a private buffer at once (4 MiB at most), and spare buffers kept for reuse. */
const PRIVATE_MAX = 64;
const SPARES_MAX = 8;

/** Who may take views of a private read buffer: the socket's only reader. */
export interface Borrower {
  /**
   * The view of a read: true if it is still referenced after the call (a write kept it: the
   * buffer is lent and never read into again), false if it is done with it, null if it cannot
   * take a view now (the chunk is then copied and delivered as usual).
   */
  take(view: Buffer): boolean | null;
  /**
   * A read of its own (a copy), handled as its 'data' listener would handle it: a small read
   * then skips the Readable's push and 'data' event, two of the four steps a Node proxy pays
   * per hop (issue #13 target 4). Optional: without it the copy is pushed as usual.
   */
  deliver?(chunk: Buffer): void;
}

interface ReadState {
  /** The socket's private buffer, or null on the shared one. */
  own: Buffer | null;
  /** Large reads in a row on the shared buffer; small ones in a row on a private one. */
  run: number;
  borrower: Borrower | null;
  /** A close listener gives the buffer back (added at the first grant, once). */
  watched: boolean;
}

/** What tests and benches read: proof the fast path is taken. */
export const ownedReadStats = { copied: 0, borrowed: 0, lent: 0, privateGiven: 0, delivered: 0 };

const STATE: unique symbol = Symbol('wsfault.ownedReads');
type Owned = Socket & { [STATE]?: ReadState };
/** Node internals this module relies on; each is checked before use. */
type Internal = Socket & { _handle?: { useUserBuffer?: unknown; reading?: boolean } | null; _server?: unknown; server?: unknown };

const SHARED = Buffer.allocUnsafeSlow(SIZE);
const spares: Buffer[] = [];
const holders = new Set<Owned>();
/** The buffer the generator hands out next: set by the read callback just before Node calls it. */
let next: Buffer = SHARED;
let generated = 0;

const newState = (): ReadState => ({ own: null, run: 0, borrower: null, watched: false });

/** One object for every socket: the functions find their socket's state, no closure per socket. */
const ONREAD = { buffer: nextBuffer, callback: onRead };

function nextBuffer(): Buffer {
  const buffer = next;
  next = SHARED;
  generated++;
  return buffer;
}

function onRead(this: Owned, n: number, buffer: Buffer): boolean {
  const state = (this[STATE] ??= newState());
  try {
    const result = buffer === state.own ? onPrivate(this, state, n) : onShared(this, state, buffer, n);
    // Set last, after every listener ran: Node calls the generator right after this returns.
    next = state.own ?? SHARED;
    return result;
  } catch (error) {
    // Node will not ask for the next buffer: whatever this socket reads into next is unknown,
    // so a private socket that may have lent its buffer cannot go on reading.
    next = SHARED;
    if (state.own !== null || buffer !== SHARED) {
      release(this, state);
      this.destroy(error as Error);
    }
    throw error;
  }
}

function onShared(socket: Owned, state: ReadState, buffer: Buffer, n: number): boolean {
  state.run = n >= LARGE ? state.run + 1 : 0;
  const borrower = state.borrower;
  let result = true;
  // Not on TLS (ownsReads says no there): a faster reader only makes the decrypted records' reads
  // smaller (test/tls/read-size.test.ts), and a TLS hop costs far more than a push.
  if (borrower?.deliver && soleReader(socket) && ownsReads(socket)) {
    ownedReadStats.delivered++;
    borrower.deliver(Buffer.from(buffer.subarray(0, n)));
  } else result = deliverCopy(socket, buffer, n);
  if (state.run >= BULK_RUN && state.borrower !== null && state.own === null && !socket.destroyed) grant(socket, state);
  return result;
}

function onPrivate(socket: Owned, state: ReadState, n: number): boolean {
  const buffer = state.own!;
  state.run = n < SMALL ? state.run + 1 : 0;
  // The borrower checks its own mode; here: nothing waits in the socket and it is the only reader.
  const kept = soleReader(socket) ? state.borrower!.take(buffer.subarray(0, n)) : null;
  if (kept === null) {
    // Its reader is parsing, stopping or behind: back to the shared buffer until bulk again.
    const result = deliverCopy(socket, buffer, n);
    release(socket, state);
    return result;
  }
  ownedReadStats.borrowed++;
  if (kept) {
    ownedReadStats.lent++;
    // The write owns that memory now; the next read goes into another buffer.
    state.own = spares.pop() ?? Buffer.allocUnsafeSlow(SIZE);
  }
  // The stream went quiet or interactive: the buffer (nothing refers to it now) goes back.
  if (state.run >= SMALL_RUN) release(socket, state);
  return true;
}

/**
 * Whether a read may go to the stream's reader directly (a view, or a copy to its deliver) rather
 * than through push and 'data': it flows, nothing waits before this read, and one 'data' listener
 * reads it (the borrower's).
 */
export function soleReader(stream: Readable): boolean {
  return stream.readableFlowing === true && stream.readableLength === 0 && stream.listenerCount('data') === 1;
}

/** Copies a read and pushes it as Node's own read path pushes a chunk (events, pause, order). */
function deliverCopy(socket: Socket, buffer: Buffer, n: number): boolean {
  ownedReadStats.copied++;
  return socket.push(Buffer.from(buffer.subarray(0, n)));
}

function grant(socket: Owned, state: ReadState): void {
  if (holders.size >= PRIVATE_MAX) for (const holder of holders) if (holder.destroyed) holders.delete(holder);
  if (holders.size >= PRIVATE_MAX) return;
  holders.add(socket);
  state.own = spares.pop() ?? Buffer.allocUnsafeSlow(SIZE);
  state.run = 0;
  ownedReadStats.privateGiven++;
  if (!state.watched) {
    state.watched = true;
    socket.once('close', holderClosed);
  }
}

/** The handle is closed, nothing reads into the buffer any more: it is a spare now. */
function holderClosed(this: Owned): void {
  const state = this[STATE];
  if (state) release(this, state);
}

function release(socket: Owned, state: ReadState): void {
  holders.delete(socket);
  if (state.own !== null && spares.length < SPARES_MAX) spares.push(state.own);
  state.own = null;
  state.run = 0;
}

/** Sockets holding a private buffer now (for tests: a closed socket holds none). */
export function privateHolders(): number {
  return holders.size;
}

/**
 * Whether `socket` reads into owned buffers (false: a plain Node socket, the fallback). A TLS
 * socket answers false even when it does (ownWrappedReads): a write to it always completes later
 * (TLSWrap's request waits for the socket under it), so a view written to it would always be lent.
 */
export function ownsReads(socket: Socket): boolean {
  return (socket as Owned)[STATE] !== undefined && (socket as { encrypted?: boolean }).encrypted !== true;
}

/** A stream that is not a socket but passes its source's views on to its own reader (ClientLink). */
export const LEND_READS: unique symbol = Symbol('wsfault.lendReads');
export interface Lender {
  [LEND_READS](borrower: Borrower): void;
}

/** Lets `borrower` take views of the stream's reads when it goes private; no-op on other streams. */
export function lendReads(stream: Socket, borrower: Borrower): void {
  const state = (stream as Owned)[STATE];
  if (state) state.borrower = borrower;
  else (stream as Partial<Lender>)[LEND_READS]?.(borrower);
}

/** `net.connect` reading into owned buffers. */
export function connectOwned(options: net.NetConnectOpts): Socket {
  const socket = net.connect({ ...options, onread: ONREAD } as net.NetConnectOpts) as Owned;
  socket[STATE] = newState();
  return socket;
}

/**
 * An accepted socket (paused on connect, nothing read yet) moved to a new net.Socket that reads
 * into owned buffers: Node offers `onread` only to sockets it makes. The server's bookkeeping
 * moves with it (`server.close()` waits for it, the connection count stays right) and the old
 * object lets go of the handle without closing it. The new socket stays paused until the code
 * that resumed the old one resumes it. Where Node's internals are not as expected, the socket
 * is returned as it is.
 */
export function ownAccepted(socket: Socket, options: { noDelay: boolean }): Socket {
  const old = socket as Internal;
  const handle = old._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function' || handle.reading !== false) return socket;
  if (old.destroyed || old.readableLength > 0 || old.readableFlowing !== false || !('_server' in old)) return socket;
  const before = generated;
  next = SHARED;
  const owned = new net.Socket({
    handle,
    allowHalfOpen: old.allowHalfOpen,
    // Not a public option, but what the server itself passes for pauseOnConnect: no read(0).
    pauseOnCreate: true,
    readable: true,
    writable: true,
    noDelay: options.noDelay,
    readableHighWaterMark: old.readableHighWaterMark,
    writableHighWaterMark: old.writableHighWaterMark,
    onread: ONREAD,
  } as net.SocketConstructorOpts) as Owned & Internal;
  owned.server = old.server;
  owned._server = old._server;
  old.server = null;
  old._server = null;
  old._handle = null;
  // The generator ran for the new handle: onread is in force. Otherwise a plain socket it is.
  if (generated !== before) owned[STATE] = newState();
  return owned;
}

/** Node's keys for a socket's `onread` (net.js keeps them under symbols), found once on a probe. */
type ReadHooks = { buffer: symbol; callback: symbol; generator: symbol };
let hooks: ReadHooks | null | undefined;

function readHooks(): ReadHooks | null {
  if (hooks !== undefined) return hooks;
  const probe = new net.Socket({ onread: ONREAD } as net.SocketConstructorOpts) as unknown as Record<symbol, unknown>;
  const named = (name: string) => Object.getOwnPropertySymbols(probe).find((key) => key.description === name);
  const [buffer, callback, generator] = [named('kBuffer'), named('kBufferCb'), named('kBufferGen')];
  hooks = buffer && callback && generator && probe[callback] === onRead && probe[generator] === nextBuffer ? { buffer, callback, generator } : null;
  return hooks;
}

/**
 * Owned reads for a stream Node made without them: a server TLSSocket wrapping an accepted
 * socket (Node's TLSSocket passes `onread: null` when it wraps one). Its handle (TLSWrap) is a
 * stream like TCP's, so this does what Node's constructor does for `onread`: the handle reads
 * into the shared buffer and the socket's read hooks are ONREAD's. Each decrypted record then
 * lands in a buffer the proxy owns instead of a fresh ArrayBuffer, and a forwarding Pipe may
 * borrow it as on a plain socket. Call it before the stream reads. False (nothing changed) where
 * Node's internals are not as expected.
 */
export function ownWrappedReads(stream: Socket): boolean {
  const found = readHooks();
  const handle = (stream as Internal)._handle as { useUserBuffer?: (buffer: Buffer) => unknown } | null | undefined;
  if (found === null || !handle || typeof handle.useUserBuffer !== 'function' || (stream as Owned)[STATE] !== undefined) return false;
  const keyed = stream as unknown as Record<symbol, unknown>;
  keyed[found.buffer] = SHARED;
  keyed[found.generator] = nextBuffer;
  keyed[found.callback] = onRead;
  handle.useUserBuffer(SHARED);
  (stream as Owned)[STATE] = newState();
  return true;
}
