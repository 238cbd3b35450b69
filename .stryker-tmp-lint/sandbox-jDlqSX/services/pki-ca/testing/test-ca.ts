/**
 * A throwaway CA hierarchy for tests: a root and an issuing CA of one key algorithm, as CaSigners,
 * and a way to issue leaves with any extensions (also broken ones, for the lint's tests).
 */
// @ts-nocheck

import { randomBytes, webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509 } from '../../template/tls/x509.ts';
import { signingAlgorithm, type CaKeyAlgorithm, type CaSigner } from '../contract.ts';

const DAY_MS = 86_400_000;

/** WebCrypto key generation parameters per CA key algorithm. */
const generation: Readonly<Record<CaKeyAlgorithm, webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.KeyAlgorithm>> = {
  'ES256': { name: 'ECDSA', namedCurve: 'P-256' },
  'ES384': { name: 'ECDSA', namedCurve: 'P-384' },
  'RSA-3072': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  'RSA-4096': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 4096, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-384' },
  'Ed25519': { name: 'Ed25519' },
};

/** A new key pair of a CA key algorithm (extractable, so tests can write it out for openssl). */
export async function generateKeys(algorithm: CaKeyAlgorithm): Promise<webcrypto.CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(generation[algorithm], true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
}

/** A positive 128-bit serial in hex, as pki-ca makes them. */
export function testSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** What `issueTestCertificate` puts in a certificate; every field has a sensible default. */
export interface TestCertificateOptions {
  readonly subject?: string;
  readonly serial?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly keys?: webcrypto.CryptoKeyPair;
  readonly keyAlgorithm?: CaKeyAlgorithm;
  /** Replaces the default extensions (basicConstraints cA=FALSE, digitalSignature, serverAuth, SAN, SKI, AKI). */
  readonly extensions?: readonly x509.Extension[];
  /** Extra extensions after the default ones. */
  readonly extraExtensions?: readonly x509.Extension[];
}

/** A leaf (or any certificate) signed by `issuer`, and its key pair. */
export async function issueTestCertificate(issuer: CaSigner, options: TestCertificateOptions = {}): Promise<{ readonly certificate: x509.X509Certificate; readonly keys: webcrypto.CryptoKeyPair }> {
  const keys = options.keys ?? await generateKeys(options.keyAlgorithm ?? 'ES256');
  const now = Date.now();
  const extensions = options.extensions ?? [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'leaf.test' }]),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(issuer.certificate.publicKey),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial ?? testSerial(),
    subject: options.subject ?? 'CN=leaf.test',
    issuer: issuer.certificate.subject,
    notBefore: options.notBefore ?? new Date(now - 60_000),
    notAfter: options.notAfter ?? new Date(now + 30 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: signingAlgorithm(issuer.keyAlgorithm),
    extensions: [...extensions, ...(options.extraExtensions ?? [])],
  });
  return { certificate, keys };
}

/** A root and an issuing CA under it, both of `algorithm`. */
export interface TestHierarchy {
  readonly root: CaSigner;
  readonly issuing: CaSigner;
}

async function caCertificate(subject: string, keys: webcrypto.CryptoKeyPair, algorithm: CaKeyAlgorithm, parent: CaSigner | undefined, pathLength: number, now: number): Promise<x509.X509Certificate> {
  return await x509.X509CertificateGenerator.create({
    serialNumber: testSerial(),
    subject,
    issuer: parent?.certificate.subject ?? subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: parent?.privateKey ?? keys.privateKey,
    signingAlgorithm: signingAlgorithm(parent?.keyAlgorithm ?? algorithm),
    extensions: [
      new x509.BasicConstraintsExtension(true, pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create((parent?.certificate ?? { publicKey: await x509.PublicKey.create(keys.publicKey) }).publicKey),
    ],
  });
}

/** A new test hierarchy: `CN=Test Root <algorithm>` and `CN=Test Issuing <algorithm>`. */
export async function createTestHierarchy(algorithm: CaKeyAlgorithm = 'ES256'): Promise<TestHierarchy> {
  const rootKeys = await generateKeys(algorithm);
  // One clock for both, so the issuing CA never outlives its root by the time between two calls.
  const now = Date.now();
  const rootCertificate = await caCertificate(`CN=Test Root ${algorithm}`, rootKeys, algorithm, undefined, 1, now);
  const root: CaSigner = { name: 'test-root', certificate: rootCertificate, privateKey: rootKeys.privateKey, keyAlgorithm: algorithm, chain: [] };
  const issuingKeys = await generateKeys(algorithm);
  const issuingCertificate = await caCertificate(`CN=Test Issuing ${algorithm}`, issuingKeys, algorithm, root, 0, now);
  const issuing: CaSigner = { name: 'test-issuing', certificate: issuingCertificate, privateKey: issuingKeys.privateKey, keyAlgorithm: algorithm, chain: [rootCertificate] };
  return { root, issuing };
}

/** PEM of a certificate. */
export function pem(certificate: x509.X509Certificate): string {
  return certificate.toString('pem');
}

/** PKCS#8 PEM of an extractable private key (for openssl). */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
}

/** A temporary directory for files openssl reads, removed by `cleanup`. */
export async function tempFiles(files: Readonly<Record<string, string | Uint8Array>>): Promise<{ readonly dir: string; path(name: string): string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pki-ca-test-'));
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return { dir, path: (name) => join(dir, name), cleanup: () => rm(dir, { recursive: true, force: true }) };
}
