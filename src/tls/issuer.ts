import tls, { type SecureContext } from 'node:tls';
import type { TlsVerdict } from '../faults/hooks.js';
import type { TestCa } from './ca.js';
import { isHostName } from './hello.js';
import { keyToPem, makeCa, makeLeaf, newKeys, pem, type KeyPair, type LeafOptions } from './x509.js';

/** What a connection is served: the normal certificate, or one a TLS fault asked for. */
export type ServeProfile = Omit<Extract<TlsVerdict, { action: 'serve' }>, 'action'>;

/** Names a certificate is issued for when the client sent no SNI or an IP address. */
export const LOCAL_NAMES = ['localhost', '127.0.0.1', '::1'];
const DAY = 86_400_000;
/** Contexts kept (one per name and profile): a client inventing names cannot grow memory without bound. */
const MAX_CACHED = 500;

/** A certificate and key given with --tls-cert/--tls-key, served as they are. */
export interface FixedCert {
  cert: string;
  key: string;
}

/**
 * Issues and caches leaf certificates per SNI name and profile. One P-256 key serves every leaf
 * of the process (mockttp does the same with RSA): an EC leaf costs ~7 ms to sign, a fresh RSA
 * key 100–250 ms. The served chain carries the CA (so Chromium's SPKI list and clients with an
 * incomplete store can build the path), except where the defect is the chain itself.
 */
export class Issuer {
  private readonly contexts = new Map<string, Promise<SecureContext>>();
  private leafKeys: Promise<{ keys: KeyPair; pem: string }> | null = null;
  private strangers: Promise<{ cert: Awaited<ReturnType<typeof makeCa>>; keys: KeyPair }> | null = null;
  private intermediate: Promise<{ cert: Awaited<ReturnType<typeof makeCa>>; keys: KeyPair }> | null = null;

  constructor(
    readonly ca: TestCa,
    private readonly fixed: FixedCert | null = null,
  ) {}

  context(sni: string | null, profile: ServeProfile): Promise<SecureContext> {
    const key = JSON.stringify([sni, profile.certificate ?? null, profile.version ?? null]);
    let context = this.contexts.get(key);
    if (!context) {
      if (this.contexts.size >= MAX_CACHED) this.contexts.delete(this.contexts.keys().next().value!);
      context = this.make(sni, profile);
      this.contexts.set(key, context);
      // A failed issuance is not cached: the next connection tries again.
      context.catch(() => this.contexts.delete(key));
    }
    return context;
  }

  private async make(sni: string | null, profile: ServeProfile): Promise<SecureContext> {
    const version = profile.version ? { minVersion: profile.version, maxVersion: profile.version, ciphers: 'DEFAULT:@SECLEVEL=0' } : {};
    if (this.fixed && !profile.certificate) return tls.createSecureContext({ ...this.fixed, ...version });
    const { cert, key } = await this.issue(sni, profile.certificate);
    return tls.createSecureContext({ cert, key, ...version });
  }

  /** The served chain (PEMs, leaf first) and the leaf's key for one name and defect. */
  private async issue(sni: string | null, problem: ServeProfile['certificate']): Promise<{ cert: string; key: string }> {
    this.leafKeys ??= newKeys().then(async (keys) => ({ keys, pem: await keyToPem(keys.privateKey) }));
    const { keys, pem: key } = await this.leafKeys;
    const now = Date.now();
    const names = sni !== null && isHostName(sni) ? [sni] : LOCAL_NAMES;
    const options: LeafOptions = { names, notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY), issuer: this.ca };
    const caPem = this.ca.certPem;
    switch (problem?.problem) {
      case undefined:
        return { cert: pem(await makeLeaf(keys, options)) + caPem, key };
      case 'expired':
        return { cert: pem(await makeLeaf(keys, { ...options, notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - DAY) })) + caPem, key };
      case 'not-yet-valid':
        return { cert: pem(await makeLeaf(keys, { ...options, notBefore: new Date(now + DAY), notAfter: new Date(now + 60 * DAY) })) + caPem, key };
      case 'wrong-name':
        return { cert: pem(await makeLeaf(keys, { ...options, names: problem.names?.length ? problem.names : ['wrong.example'] })) + caPem, key };
      case 'self-signed': {
        const { issuer: _ca, ...selfSigned } = options;
        return { cert: pem(await makeLeaf(keys, selfSigned)), key };
      }
      case 'unknown-ca':
        this.strangers ??= newKeys().then(async (caKeys) => ({ keys: caKeys, cert: await makeCa('CN=wsfault unknown CA (never trusted), O=wsfault', caKeys) }));
        return { cert: pem(await makeLeaf(keys, { ...options, issuer: await this.strangers })), key };
      case 'missing-intermediate':
        this.intermediate ??= newKeys().then(async (caKeys) => ({ keys: caKeys, cert: await makeCa('CN=wsfault intermediate CA, O=wsfault', caKeys, this.ca) }));
        return { cert: pem(await makeLeaf(keys, { ...options, issuer: await this.intermediate })), key };
    }
  }
}
