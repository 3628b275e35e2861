import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeAll, startWsEcho } from '../helpers/servers.js';
import { startTlsWsfault, stopTlsApps, testCaDir } from '../helpers/tls.js';
import { attemptChromium, attemptPython, launchChromium, type ClientOutcome } from './clients.js';
import { RESULTS_DIR } from './results.js';

/**
 * wss:// through wsfault --tls for three real clients, each trusting the test CA the way a user
 * would: ws with its `ca` option, Python websockets with an ssl context's `cafile`, Chromium
 * through an NSS database (certutil), not ignoreHTTPSErrors, which would hide every certificate
 * fault. Each TLS fault must give each client its documented failure; `attempts` counts the
 * connections the proxy saw (Chromium retries connection-level TLS failures once by itself).
 * The rows go to docs/tls.md with `npm run docs:clients`.
 */

interface Expect {
  opened: boolean;
  /** A pattern on the client's report: ws `CODE: message`, Chromium's console reason, Python `Exception: message`. */
  error?: RegExp;
  attempts: number;
}

interface Case {
  label: string;
  faults: object[];
  ws: Expect;
  chromium: Expect;
  python: Expect;
}

const opens = (attempts = 1): Expect => ({ opened: true, attempts });
const fails = (error: RegExp, attempts = 1): Expect => ({ opened: false, error, attempts });
const cert = (problem: string, extra: object = {}) => [{ type: 'tls-cert', problem, ...extra }];
const handshake = (how: string, extra: object = {}) => [{ type: 'tls-handshake', how, ...extra }];

const CASES: Case[] = [
  { label: 'passthrough', faults: [], ws: opens(), chromium: opens(), python: opens() },
  {
    label: 'tls-cert expired',
    faults: cert('expired'),
    ws: fails(/^CERT_HAS_EXPIRED: certificate has expired$/),
    chromium: fails(/^net::ERR_CERT_DATE_INVALID$/),
    python: fails(/^SSLCertVerificationError: .*certificate has expired/),
  },
  {
    label: 'tls-cert not-yet-valid',
    faults: cert('not-yet-valid'),
    ws: fails(/^CERT_NOT_YET_VALID: certificate is not yet valid$/),
    chromium: fails(/^net::ERR_CERT_DATE_INVALID$/),
    python: fails(/^SSLCertVerificationError: .*certificate is not yet valid/),
  },
  {
    label: 'tls-cert wrong-name',
    faults: cert('wrong-name', { names: ['wrong.example'] }),
    ws: fails(/^ERR_TLS_CERT_ALTNAME_INVALID: Hostname\/IP does not match certificate's altnames: Host: localhost\. is not in the cert's altnames: DNS:wrong\.example$/),
    chromium: fails(/^net::ERR_CERT_COMMON_NAME_INVALID$/),
    python: fails(/^SSLCertVerificationError: .*Hostname mismatch, certificate is not valid for 'localhost'/),
  },
  {
    label: 'tls-cert self-signed',
    faults: cert('self-signed'),
    ws: fails(/^DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate$/),
    chromium: fails(/^net::ERR_CERT_AUTHORITY_INVALID$/),
    python: fails(/^SSLCertVerificationError: .*self-signed certificate/),
  },
  {
    label: 'tls-cert unknown-ca',
    faults: cert('unknown-ca'),
    ws: fails(/^UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate$/),
    chromium: fails(/^net::ERR_CERT_AUTHORITY_INVALID$/),
    python: fails(/^SSLCertVerificationError: .*unable to get local issuer certificate/),
  },
  {
    label: 'tls-cert missing-intermediate',
    faults: cert('missing-intermediate'),
    ws: fails(/^UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate$/),
    chromium: fails(/^net::ERR_CERT_AUTHORITY_INVALID$/),
    python: fails(/^SSLCertVerificationError: .*unable to get local issuer certificate/),
  },
  {
    label: 'tls-handshake reset',
    faults: handshake('reset'),
    ws: fails(/^ECONNRESET: read ECONNRESET$/),
    chromium: fails(/^net::ERR_CONNECTION_RESET$/, 2),
    python: fails(/^ConnectionResetError: /),
  },
  {
    label: 'tls-handshake close',
    faults: handshake('close'),
    ws: fails(/^ECONNRESET: Client network socket disconnected before secure TLS connection was established$/),
    chromium: fails(/^net::ERR_CONNECTION_CLOSED$/, 2),
    python: fails(/^ConnectionResetError: /),
  },
  {
    label: 'tls-handshake alert',
    faults: handshake('alert'),
    ws: fails(/^EPROTO: .*alert handshake failure.*SSL alert number 40/),
    chromium: fails(/^net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH$/, 2),
    python: fails(/^SSLError: .*SSLV3_ALERT_HANDSHAKE_FAILURE/),
  },
  {
    label: 'tls-handshake not-tls',
    faults: handshake('not-tls'),
    ws: fails(/^EPROTO: .*wrong version number/),
    chromium: fails(/^net::ERR_SSL_PROTOCOL_ERROR$/, 2),
    python: fails(/^SSLError: .*WRONG_VERSION_NUMBER/),
  },
  {
    label: 'tls-handshake alpn-h2-only',
    faults: handshake('alpn-h2-only'),
    ws: opens(),
    chromium: fails(/^net::ERR_SSL_PROTOCOL_ERROR$/, 2),
    python: opens(),
  },
  {
    label: 'tls-handshake tls1.0-only',
    faults: handshake('tls1.0-only'),
    ws: fails(/^EPROTO: .*(protocol version|unsupported protocol)/),
    chromium: fails(/^net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH$/, 2),
    python: fails(/^SSLError: /),
  },
  {
    label: 'tls-handshake stall (after 1s)',
    faults: handshake('stall', { after: '1s' }),
    ws: fails(/^ECONNRESET: Client network socket disconnected before secure TLS connection was established$/),
    chromium: fails(/^net::ERR_CONNECTION_CLOSED$/, 2),
    python: fails(/^ConnectionResetError: /),
  },
  { label: 'tls-delay 300ms', faults: [{ type: 'tls-delay', delay: '300ms' }], ws: opens(), chromium: opens(), python: opens() },
];

let w: Awaited<ReturnType<typeof startTlsWsfault>>;
let browser: Browser;
const rows: { label: string; ws: ClientOutcome; chromium: ClientOutcome; python: ClientOutcome; attempts: Record<string, number> }[] = [];

/** A HOME whose NSS database trusts the test CA as Chromium on Linux reads it ($HOME/.pki/nssdb). */
function nssHome(caFile: string): string {
  const home = mkdtempSync(join(tmpdir(), 'wsfault-chromium-home-'));
  const db = join(home, '.pki', 'nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-d', `sql:${db}`, '-N', '--empty-password']);
  execFileSync('certutil', ['-d', `sql:${db}`, '-A', '-t', 'C,,', '-n', 'wsfault test CA', '-i', caFile]);
  return home;
}

beforeAll(async () => {
  const echo = await startWsEcho();
  w = await startTlsWsfault(echo.url);
  browser = await launchChromium({ home: nssHome(join(testCaDir(), 'ca.pem')) });
});

afterAll(async () => {
  await browser?.close();
  await stopTlsApps();
  await closeAll();
  // Only a whole run leaves rows for docs/tls.md (a run filtered with -t would shrink the table).
  if (rows.length !== CASES.length) return;
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'tls.json'), JSON.stringify(rows, null, 2));
});

/** ws trusting the CA with its `ca` option: `CODE: message` of its error, or opened with an echo. */
function attemptWsTls(url: string): Promise<ClientOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ca: w.ca, handshakeTimeout: 10_000 });
    const out: ClientOutcome = { opened: false, error: null, closeCode: null };
    ws.on('open', () => {
      out.opened = true;
      ws.send('echo?');
    });
    ws.on('message', () => ws.close(1000));
    ws.on('error', (error: Error & { code?: string }) => (out.error = `${error.code ?? ''}: ${error.message}`));
    ws.on('close', (code) => resolve({ ...out, closeCode: code }));
  });
}

/** The connections the proxy accepted while `run` ran (Chromium's own retry is one more). */
async function counted(run: () => Promise<ClientOutcome>): Promise<[ClientOutcome, number]> {
  const before = w.events.filter((e) => e.type === 'connection.open').length;
  const outcome = await run();
  // A retry may still be on its way when the first failure is reported.
  await new Promise((r) => setTimeout(r, 150));
  return [outcome, w.events.filter((e) => e.type === 'connection.open').length - before];
}

/** Chromium sends one message over wss:// and resolves with what came back. */
async function chromiumEcho(url: string): Promise<string | null> {
  const page = await browser.newPage();
  try {
    return (await page.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket(${JSON.stringify(url)});
      ws.onopen = () => ws.send('echo over wss');
      ws.onmessage = (event) => { resolve(String(event.data)); ws.close(1000); };
      ws.onclose = () => resolve(null);
      setTimeout(() => resolve(null), 8000);
    })`)) as string | null;
  } finally {
    await page.close();
  }
}

describe('wss:// with real clients trusting the test CA', () => {
  it('Chromium echoes over wss:// (its CA trust is the NSS database, nothing ignored)', async () => {
    w.app.use('default', 'passthrough');
    expect(await chromiumEcho(w.wss + '/')).toBe('echo over wss');
  });

  for (const c of CASES) {
    it(c.label, async () => {
      w.app.use('default', { name: 'tls-matrix', faults: c.faults });
      const [ws, wsAttempts] = await counted(() => attemptWsTls(w.wss + '/'));
      const [page, chromiumAttempts] = await counted(() => attemptChromium(browser, w.wss + '/', [], 8_000));
      const chromium = { ...page, error: page.error?.replace(/^Error in connection establishment: /, '') ?? null };
      const [py, pyAttempts] = await counted(() => attemptPython(w.wss + '/', { cafile: join(testCaDir(), 'ca.pem'), openTimeoutS: 5 }));
      const python = { ...py, error: py.error ? `${py.error}: ${py.detail ?? ''}` : null };
      rows.push({ label: c.label, ws, chromium, python, attempts: { ws: wsAttempts, chromium: chromiumAttempts, python: pyAttempts } });
      const check = (client: string, got: ClientOutcome, attempts: number, want: Expect) => {
        expect({ client, opened: got.opened, attempts }).toEqual({ client, opened: want.opened, attempts: want.attempts });
        if (want.error) expect(got.error, client).toMatch(want.error);
        else expect(got.error, client).toBeNull();
        // ws closes with 1000 only once its message came back (an echo through the proxy).
        if (client === 'ws' && want.opened) expect(got.closeCode).toBe(1000);
      };
      check('ws', ws, wsAttempts, c.ws);
      check('chromium', chromium, chromiumAttempts, c.chromium);
      check('python', python, pyAttempts, c.python);
    });
  }
});
