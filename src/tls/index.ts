/**
 * TLS for clients (SPEC §10), loaded only when --tls is given: the test CA, the leaf issuer and
 * the terminator the proxies use.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { WsfaultError } from '../errors.js';
import type { Terminator } from '../proxy/secure.js';
import { defaultCaDir, loadOrCreateCa, spkiHash } from './ca.js';
import { Issuer, type FixedCert } from './issuer.js';
import { TlsTerminator } from './terminator.js';

export interface TlsSettings {
  /** --tls-cert/--tls-key: served as they are (the test CA still signs the TLS faults' certificates). */
  certFile?: string;
  keyFile?: string;
  /** --tls-ca-dir (default: $XDG_STATE_HOME/wsfault/ca, else ~/.local/state/wsfault/ca). */
  caDir?: string;
}

/** What the banner and GET /tls/ca.pem show of the TLS set-up. */
export interface TlsInfo {
  terminator: Terminator;
  caPath: string;
  caPem: string;
  caSpki: string;
}

export async function createTls(settings: TlsSettings): Promise<TlsInfo> {
  if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) throw new WsfaultError('WSFAULT_USAGE', '--tls-cert and --tls-key go together');
  let fixed: FixedCert | null = null;
  if (settings.certFile && settings.keyFile) {
    try {
      fixed = { cert: readFileSync(settings.certFile, 'utf8'), key: readFileSync(settings.keyFile, 'utf8') };
      createSecureContext(fixed); // a mismatched pair is a usage error now, not a failed handshake later
    } catch (error) {
      throw new WsfaultError('WSFAULT_USAGE', `cannot read --tls-cert/--tls-key (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  const ca = await loadOrCreateCa(settings.caDir ?? defaultCaDir());
  const issuer = new Issuer(ca, fixed);
  return { terminator: new TlsTerminator(issuer), caPath: ca.certPath, caPem: ca.certPem, caSpki: spkiHash(ca.certPem) };
}

export { defaultCaDir, loadOrCreateCa, spkiHash };
