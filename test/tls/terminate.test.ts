import { statSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateCa } from '../../src/tls/ca.js';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { startTlsWsfault, stopTlsApps, testCaDir } from '../helpers/tls.js';
import { until } from '../helpers/wait.js';
import { openClient, roundTrip } from '../helpers/ws-client.js';

afterEach(async () => {
  await stopTlsApps();
  await closeAll();
});

function tlsConnect(port: number, options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ...options }, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('--tls on the same listener', () => {
  it('wss:// and ws:// echo on one port; the handshake is an event', async () => {
    const echo = await startWsEcho();
    const w = await startTlsWsfault(echo.url);
    const secure = await openClient(w.wss, undefined, { ca: w.ca });
    expect((await roundTrip(secure, 'over tls')).data.toString()).toBe('over tls');
    const plain = await openClient(w.url);
    expect((await roundTrip(plain, 'in clear')).data.toString()).toBe('in clear');
    secure.close();
    plain.close();
    const handshake = w.events.find((e) => e.type === 'tls.handshake');
    expect(handshake).toMatchObject({ sni: 'localhost', version: 'TLSv1.3', resumed: false });
    // The handshake event of the WebSocket follows the TLS one on the same connection.
    const conn = (handshake as { conn: string }).conn;
    expect(w.events.filter((e) => (e as { conn?: string }).conn === conn).map((e) => e.type)).toEqual(expect.arrayContaining(['connection.open', 'tls.handshake', 'handshake']));
  });

  it('plain HTTP requests are forwarded over https:// too', async () => {
    const echo = await startWsEcho();
    const w = await startTlsWsfault(echo.url);
    const status = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', servername: 'localhost', port: w.port, path: '/', ca: w.ca }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    // ws's server answers a non-upgrade GET with 426: the request reached it through the proxy.
    expect(status).toBe(426);
  });

  it('issues a certificate per SNI name, localhost names without SNI, and sends the CA in the chain', async () => {
    const echo = await startWsEcho();
    const w = await startTlsWsfault(echo.url);
    const named = await tlsConnect(w.port, { servername: 'api.example.test', ca: w.ca });
    expect(named.getPeerCertificate().subjectaltname).toBe('DNS:api.example.test');
    expect(named.alpnProtocol).toBe(false);
    named.destroy();
    const bare = await tlsConnect(w.port, { ca: w.ca, checkServerIdentity: () => undefined });
    expect(bare.getPeerCertificate().subjectaltname).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    bare.destroy();
    // Unverified, the chain is what the server sent: the leaf and the CA.
    const sent = await tlsConnect(w.port, { servername: 'localhost', rejectUnauthorized: false });
    const chain = sent.getPeerCertificate(true);
    expect(chain.issuerCertificate?.subject.CN).toMatch(/wsfault test CA/);
    sent.destroy();
  });

  it('offers ALPN http/1.1 only', async () => {
    const echo = await startWsEcho();
    const w = await startTlsWsfault(echo.url);
    const socket = await tlsConnect(w.port, { servername: 'localhost', ca: w.ca, ALPNProtocols: ['h2', 'http/1.1'] });
    expect(socket.alpnProtocol).toBe('http/1.1');
    await until(() => w.events.some((e) => e.type === 'tls.handshake' && (e as { alpn: string | null }).alpn === 'http/1.1'), 'tls.handshake with alpn');
    socket.destroy();
  });

  it('creates the CA once, key mode 0600, and reuses it', async () => {
    const first = await loadOrCreateCa(testCaDir());
    const again = await loadOrCreateCa(testCaDir());
    expect(again.certPem).toBe(first.certPem);
    expect(statSync(`${testCaDir()}/ca-key.pem`).mode & 0o777).toBe(0o600);
  });
});

describe('startWsfault({ tls })', () => {
  it('gives secureUrl and caPem for a client to trust', async () => {
    const { startWsfault } = await import('../../src/index.js');
    const echo = await startWsEcho();
    const chaos = await startWsfault({ target: echo.url, api: false, tls: { caDir: testCaDir() } });
    try {
      expect(chaos.secureUrl).toMatch(/^wss:\/\/localhost:\d+$/);
      const ws = await openClient(chaos.secureUrl!, undefined, { ca: chaos.caPem! });
      expect((await roundTrip(ws, 'programmatic')).data.toString()).toBe('programmatic');
      ws.close();
    } finally {
      await chaos.close();
    }
  });
});

describe('--tls-cert and --tls-key', () => {
  it('serves the given certificate as it is; a tls-cert fault still serves its defect', async () => {
    const { loadOrCreateCa: load } = await import('../../src/tls/ca.js');
    const { keyToPem, makeLeaf, newKeys, pem } = await import('../../src/tls/x509.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const ca = await load(testCaDir());
    const keys = await newKeys();
    const leaf = await makeLeaf(keys, { names: ['own.example.test'], notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000), issuer: ca });
    const dir = mkdtempSync(`${tmpdir()}/wsfault-own-cert-`);
    writeFileSync(`${dir}/cert.pem`, pem(leaf) + ca.certPem);
    writeFileSync(`${dir}/key.pem`, await keyToPem(keys.privateKey));
    const { createWsfault } = await import('../../src/wsfault.js');
    const echo = await startWsEcho();
    const w = await createWsfault({ target: echo.url, api: false, tls: { certFile: `${dir}/cert.pem`, keyFile: `${dir}/key.pem`, caDir: testCaDir() } });
    try {
      const port = w.app.proxies.get('default')!.proxy.address.port;
      const own = await tlsConnect(port, { servername: 'own.example.test', ca: ca.certPem });
      expect(own.getPeerCertificate().subjectaltname).toBe('DNS:own.example.test');
      own.destroy();
      w.app.use('default', { name: 'expired', faults: [{ type: 'tls-cert', problem: 'expired' }] });
      await expect(tlsConnect(port, { servername: 'own.example.test', ca: ca.certPem })).rejects.toMatchObject({ code: 'CERT_HAS_EXPIRED' });
    } finally {
      await w.stop(200);
    }
  });

  it('a key that does not match the certificate is a usage error at start', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { keyToPem, newKeys } = await import('../../src/tls/x509.js');
    const dir = mkdtempSync(`${tmpdir()}/wsfault-bad-cert-`);
    writeFileSync(`${dir}/cert.pem`, (await loadOrCreateCa(testCaDir())).certPem);
    writeFileSync(`${dir}/key.pem`, await keyToPem((await newKeys()).privateKey));
    const { createWsfault } = await import('../../src/wsfault.js');
    await expect(createWsfault({ api: false, tls: { certFile: `${dir}/cert.pem`, keyFile: `${dir}/key.pem`, caDir: testCaDir() } })).rejects.toMatchObject({ code: 'WSFAULT_USAGE', message: expect.stringMatching(/--tls-cert\/--tls-key/) });
  });
});
