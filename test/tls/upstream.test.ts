import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { loadOrCreateCa } from '../../src/tls/ca.js';
import { keyToPem, makeLeaf, newKeys, pem } from '../../src/tls/x509.js';
import { createWsfault, type RunningWsfault } from '../../src/wsfault.js';
import { testCaDir, testCaPem } from '../helpers/tls.js';
import { attemptWs, openClient, roundTrip } from '../helpers/ws-client.js';

const running: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (running.length > 0) await running.pop()!();
});

/** A wss:// echo server with a leaf from the test CA for localhost; records SNI and ALPN it was offered. */
async function startWssEcho() {
  const ca = await loadOrCreateCa(testCaDir());
  const keys = await newKeys();
  const now = Date.now();
  const leaf = await makeLeaf(keys, { names: ['localhost'], notBefore: new Date(now - 86_400_000), notAfter: new Date(now + 86_400_000), issuer: ca });
  const seen: { sni: string | undefined; alpn: string[] }[] = [];
  const server = https.createServer({
    cert: pem(leaf) + ca.certPem,
    key: await keyToPem(keys.privateKey),
    ALPNCallback: ({ servername, protocols }) => {
      seen.push({ sni: servername, alpn: protocols });
      return protocols.includes('http/1.1') ? 'http/1.1' : undefined;
    },
  });
  server.on('request', (_req, res) => res.end('plain over tls'));
  server.on('secureConnection', (socket) => {
    if (!socket.alpnProtocol) seen.push({ sni: (socket as unknown as { servername?: string }).servername, alpn: [] });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  running.push(() => new Promise((resolve) => { wss.close(); server.closeAllConnections(); server.close(resolve); }));
  return { port: (server.address() as AddressInfo).port, seen };
}

async function start(target: string, extra: { upstreamCa?: string; upstreamInsecure?: boolean } = {}) {
  const warnings: string[] = [];
  const wsfault: RunningWsfault = await createWsfault({ target, api: false, seed: 1, ...extra, onWarning: (m) => warnings.push(m) });
  running.push(() => wsfault.stop(200));
  const events: { type: string; error?: string }[] = [];
  wsfault.app.bus.subscribe((e) => events.push(e as never));
  return { url: wsfault.app.proxies.get('default')!.proxy.url, warnings, events };
}

describe('wss:// upstreams', () => {
  it('--upstream-ca: verified, SNI for a name, ALPN http/1.1 offered', async () => {
    const server = await startWssEcho();
    const caFile = `${testCaDir()}/ca.pem`;
    const w = await start(`wss://localhost:${server.port}`, { upstreamCa: caFile });
    const ws = await openClient(w.url);
    expect((await roundTrip(ws, 'to a wss upstream')).data.toString()).toBe('to a wss upstream');
    ws.close();
    expect(server.seen[0]).toEqual({ sni: 'localhost', alpn: ['http/1.1'] });
    expect(w.warnings).toEqual([]);
  });

  it('an IP target gets no SNI', async () => {
    const server = await startWssEcho();
    const w = await start(`wss://127.0.0.1:${server.port}`, { upstreamInsecure: true });
    const ws = await openClient(w.url);
    ws.close();
    expect(server.seen[0]!.sni).toBeFalsy();
  });

  it('an unverifiable target is a 502 with the reason in upstream.error', async () => {
    const server = await startWssEcho();
    const w = await start(`wss://localhost:${server.port}`);
    const out = await attemptWs(w.url);
    expect(out.opened).toBe(false);
    expect(out.error).toMatch(/502/);
    expect(w.events.find((e) => e.type === 'upstream.error')?.error).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/);
  });

  it('--upstream-insecure goes on and warns once per connection with the verification error', async () => {
    const server = await startWssEcho();
    const w = await start(`wss://localhost:${server.port}`, { upstreamInsecure: true });
    for (const text of ['one', 'two']) {
      const ws = await openClient(w.url);
      expect((await roundTrip(ws, text)).data.toString()).toBe(text);
      ws.close();
    }
    expect(w.warnings).toHaveLength(2);
    expect(w.warnings[0]).toMatch(/not verified \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\).*--upstream-insecure/);
  });

  it('https:// targets use the same trust for plain requests', async () => {
    const server = await startWssEcho();
    const w = await start(`https://localhost:${server.port}`, { upstreamCa: `${testCaDir()}/ca.pem` });
    const res = await fetch(w.url.replace('ws:', 'http:') + '/');
    expect(await res.text()).toBe('plain over tls');
    expect(testCaPem()).toContain('BEGIN CERTIFICATE');
  });
});
