import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { WsfaultError } from '../errors.js';
import { keysFromPem, keyToPem, makeCa, newKeys, pem, x509, type KeyPair } from './x509.js';

/** The local test CA (SPEC §10): `ca.pem` and `ca-key.pem` (mode 0600) in a state directory. */
export interface TestCa {
  dir: string;
  certPath: string;
  certPem: string;
  cert: x509.X509Certificate;
  keys: KeyPair;
}

/** `--tls-ca-dir`'s default: $XDG_STATE_HOME/wsfault/ca, else ~/.local/state/wsfault/ca. */
export function defaultCaDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'wsfault', 'ca');
}

/**
 * Loads the CA from `dir`, creating it on first use. It is created once and reused, so a CA a
 * user trusted once stays trusted; the files are written under temporary names and renamed, so
 * two wsfaults starting at once never read half a file.
 */
export async function loadOrCreateCa(dir: string = defaultCaDir()): Promise<TestCa> {
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca-key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    try {
      const certPem = readFileSync(certPath, 'utf8');
      return { dir, certPath, certPem, cert: new x509.X509Certificate(certPem), keys: await keysFromPem(readFileSync(keyPath, 'utf8'), certPem) };
    } catch (error) {
      throw new WsfaultError('WSFAULT_USAGE', `the test CA in ${dir} cannot be read (${(error as Error).message}); remove ca.pem and ca-key.pem to make a new one`);
    }
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keys = await newKeys();
    const cert = await makeCa('CN=wsfault test CA - DO NOT TRUST outside tests, O=wsfault', keys);
    const certPem = pem(cert);
    const suffix = `.${process.pid}.tmp`;
    writeFileSync(keyPath + suffix, await keyToPem(keys.privateKey), { mode: 0o600 });
    chmodSync(keyPath + suffix, 0o600);
    writeFileSync(certPath + suffix, certPem, { mode: 0o644 });
    renameSync(keyPath + suffix, keyPath);
    renameSync(certPath + suffix, certPath);
    return { dir, certPath, certPem, cert, keys };
  } catch (error) {
    throw new WsfaultError('WSFAULT_USAGE', `cannot create the test CA in ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); choose another with --tls-ca-dir`);
  }
}

/** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's --ignore-certificate-errors-spki-list). */
export function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}
