/**
 * A minimal TLS ClientHello reader (RFC 8446 §4.1.2, RFC 6066 §3 SNI, RFC 7301 ALPN): enough to
 * pick a certificate and decide the TLS faults before OpenSSL sees a byte. The hello may span
 * several TCP reads and several records (Chromium's is ~2 KB, one with a huge SNI is larger).
 */

/** Largest ClientHello accepted: 2 full records; real ones are under 2 KB. */
export const MAX_HELLO_BYTES = 2 * (5 + 16_384);
const MAX_RECORD = 16_384 + 256;

export interface ParsedHello {
  sni: string | null;
  alpn: string[];
}

export class HelloError extends Error {}

/**
 * The hello in `bytes` (records from the first byte): the hello once whole, else how many bytes
 * must have arrived before it is worth looking again (so a hello sent one byte per packet is
 * parsed once per record, not once per byte); throws HelloError for anything not a ClientHello.
 */
export function parseHello(bytes: Buffer): ParsedHello | { need: number } {
  const fragments: Buffer[] = [];
  let have = 0;
  let need = -1;
  let at = 0;
  while (at + 5 <= bytes.length) {
    if (bytes[at] !== 0x16) throw new HelloError(`record type ${bytes[at]} before the ClientHello was complete`);
    if (bytes[at + 1] !== 3) throw new HelloError('not a TLS record version');
    const length = bytes.readUInt16BE(at + 3);
    if (length === 0 || length > MAX_RECORD) throw new HelloError(`TLS record of ${length} bytes`);
    if (at + 5 + length > bytes.length) return { need: at + 5 + length };
    fragments.push(bytes.subarray(at + 5, at + 5 + length));
    have += length;
    at += 5 + length;
    if (need === -1 && have >= 4) {
      const first = Buffer.concat(fragments);
      if (first[0] !== 1) throw new HelloError(`handshake message ${first[0]} is not a ClientHello`);
      need = 4 + first.readUIntBE(1, 3);
      if (need > MAX_HELLO_BYTES) throw new HelloError(`ClientHello of ${need} bytes`);
    }
    if (need !== -1 && have >= need) return readBody(Buffer.concat(fragments).subarray(4, need));
  }
  if (at > MAX_HELLO_BYTES) throw new HelloError('ClientHello too large');
  return { need: at + 5 };
}

function readBody(body: Buffer): ParsedHello {
  const r = new Reader(body);
  r.skip(2 + 32); // legacy_version, random
  r.skip(r.u8()); // session id
  r.skip(r.u16()); // cipher suites
  r.skip(r.u8()); // compression methods
  const hello: ParsedHello = { sni: null, alpn: [] };
  if (r.done()) return hello;
  const end = r.u16() + r.at;
  while (r.at < end) {
    const type = r.u16();
    const ext = new Reader(r.take(r.u16()));
    if (type === 0) hello.sni = serverName(ext);
    else if (type === 16) {
      const list = new Reader(ext.take(ext.u16()));
      while (!list.done()) hello.alpn.push(list.take(list.u8()).toString('latin1'));
    }
  }
  return hello;
}

function serverName(ext: Reader): string | null {
  const list = new Reader(ext.take(ext.u16()));
  while (!list.done()) {
    const kind = list.u8();
    const name = list.take(list.u16());
    if (kind === 0) return name.toString('latin1');
  }
  return null;
}

class Reader {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  done(): boolean {
    return this.at >= this.buf.length;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u16(): number {
    return this.take(2).readUInt16BE(0);
  }
  skip(n: number): void {
    this.take(n);
  }
  take(n: number): Buffer {
    if (this.at + n > this.buf.length) throw new HelloError('ClientHello is truncated inside');
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

/** A DNS name a certificate can be issued for (RFC 1123 labels, at most 253 characters). */
export function isHostName(name: string): boolean {
  return name.length <= 253 && /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?$/i.test(name);
}
