/**
 * Certificates on WebCrypto with @peculiar/x509 (as mockttp does): no OpenSSL command. This
 * module is imported only when TLS is on (--tls, `wsfault ca`), so a plain start never loads it.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;

export const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export function newKeys(): Promise<KeyPair> {
  return webcrypto.subtle.generateKey(EC, true, ['sign', 'verify']) as Promise<KeyPair>;
}

export async function keyToPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY') + '\n';
}

export async function keysFromPem(keyPem: string, certPem: string): Promise<KeyPair> {
  const privateKey = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), EC, true, ['sign']);
  const publicKey = await new x509.X509Certificate(certPem).publicKey.export(EC, ['verify']);
  return { privateKey, publicKey } as KeyPair;
}

/** A certificate in PEM, with the trailing newline @peculiar/x509 leaves out (PEMs are concatenated). */
export function pem(cert: x509.X509Certificate): string {
  return cert.toString('pem') + '\n';
}

/** A CA certificate (self-signed, or signed by `parent` for an intermediate). */
export async function makeCa(subject: string, keys: KeyPair, parent?: { cert: x509.X509Certificate; keys: KeyPair }): Promise<x509.X509Certificate> {
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, parent ? 0 : undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (!parent) return x509.X509CertificateGenerator.createSelfSigned({ name: subject, keys, notBefore: new Date(now - DAY), notAfter: new Date(now + 3650 * DAY), signingAlgorithm: SIGN, extensions });
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(parent.keys.publicKey));
  return x509.X509CertificateGenerator.create({
    subject,
    issuer: parent.cert.subject,
    publicKey: keys.publicKey,
    signingKey: parent.keys.privateKey,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3650 * DAY),
    signingAlgorithm: SIGN,
    extensions,
  });
}

export interface LeafOptions {
  names: string[];
  notBefore: Date;
  notAfter: Date;
  /** Absent: self-signed by the leaf key. */
  issuer?: { cert: x509.X509Certificate; keys: KeyPair };
}

/** A server certificate for `names` (DNS names and IP addresses in the SAN). */
export async function makeLeaf(keys: KeyPair, options: LeafOptions): Promise<x509.X509Certificate> {
  const subject = `CN=${options.names[0] ?? 'localhost'}, O=wsfault test`;
  const san = options.names.map((value) => ({ type: isIp(value) ? ('ip' as const) : ('dns' as const), value }));
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension(san),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const common = { notBefore: options.notBefore, notAfter: options.notAfter, signingAlgorithm: SIGN, serialNumber: serial() };
  if (!options.issuer) return x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys, extensions });
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey));
  return x509.X509CertificateGenerator.create({ ...common, subject, issuer: options.issuer.cert.subject, publicKey: keys.publicKey, signingKey: options.issuer.keys.privateKey, extensions });
}

/** A positive random 16-byte serial (hex): browsers reject two certificates with one serial and issuer. */
function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

function isIp(value: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(value) || value.includes(':');
}

export { x509 };
