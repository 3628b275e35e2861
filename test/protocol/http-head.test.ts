import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HeadError,
  header,
  isWebSocketUpgrade,
  parseRequestHead,
  parseResponseHead,
  serializeRequestHead,
  targetPath,
} from '../../src/protocol/http-head.js';

const head = (text: string) => Buffer.from(text, 'latin1');

describe('request heads', () => {
  it('keeps header case, order and the raw bytes', () => {
    const raw = head('GET /ws?a=1 HTTP/1.1\r\nHOST: x\r\nupgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\r\n');
    const parsed = parseRequestHead(raw);
    expect(parsed.headers).toEqual([
      ['HOST', 'x'],
      ['upgrade', 'WebSocket'],
      ['Connection', 'keep-alive, Upgrade'],
    ]);
    expect(parsed.raw).toBe(raw);
    expect(isWebSocketUpgrade(parsed)).toBe(true);
    expect(header(parsed.headers, 'host')).toBe('x');
    expect(targetPath(parsed.target)).toEqual({ path: '/ws', query: 'a=1' });
  });

  it('serialises a head back to the same bytes when spacing is canonical', () => {
    const text = 'GET /chat HTTP/1.1\r\nHost: a\r\nX-Y: 1\r\n\r\n';
    expect(serializeRequestHead(parseRequestHead(head(text))).toString('latin1')).toBe(text);
  });

  it.each([
    ['a NUL in a header name', 'GET / HTTP/1.1\r\nX\0Y: 1\r\n\r\n', 400],
    ['a space in a header name', 'GET / HTTP/1.1\r\nX Y: 1\r\n\r\n', 400],
    ['a CTL in a value', 'GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n', 400],
    ['obsolete line folding', 'GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 400],
    ['Content-Length with Transfer-Encoding', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
    ['two different Content-Lengths', 'POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
    ['a bad request line', 'GET /\r\n\r\n', 400],
  ])('refuses %s', (_what, text, status) => {
    expect(() => parseRequestHead(head(text))).toThrow(HeadError);
    try {
      parseRequestHead(head(text));
    } catch (error) {
      expect((error as HeadError).status).toBe(status);
    }
  });

  it('never throws anything but HeadError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const raw = Buffer.concat([Buffer.from(bytes), head('\r\n\r\n')]);
        try {
          parseRequestHead(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(HeadError);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('response heads', () => {
  it('parses a 101', () => {
    const parsed = parseResponseHead(head('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'));
    expect(parsed.status).toBe(101);
    expect(parsed.reason).toBe('Switching Protocols');
  });

  it('answers 502 for garbage', () => {
    expect(() => parseResponseHead(head('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(/malformed status line/);
  });
});
