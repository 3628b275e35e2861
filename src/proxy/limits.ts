/**
 * Every bound the proxy puts on a peer, in one place (docs/RELIABILITY.md lists them).
 * Defaults follow what Node's own HTTP server and common reverse proxies use.
 */
export interface Limits {
  /** Largest request or response head, CRLFCRLF included (Node's default is 16 KiB). */
  maxHeadBytes: number;
  /** Time a client has to send its first request head (slowloris); answered with 408. */
  headTimeoutMs: number;
  /** Time to establish the upstream TCP/TLS connection; then 502. */
  connectTimeoutMs: number;
  /** Time the upstream has to answer an upgrade request; then 504. */
  handshakeTimeoutMs: number;
  /** Time a closing handshake started by the proxy may take before both sockets are destroyed. */
  closeTimeoutMs: number;
  /**
   * Bytes of one message that message faults may hold to see it whole (per direction of a
   * connection). A larger message passes unchanged, streamed, with a `fault.skipped` event.
   */
  maxMessageBuffer: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxHeadBytes: 16 * 1024,
  headTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  handshakeTimeoutMs: 30_000,
  closeTimeoutMs: 5_000,
  maxMessageBuffer: 16 * 1024 * 1024,
};
