/**
 * What every certificate this module issues has in common: ECDSA P-256 keys signed with SHA-256,
 * random serial numbers, validity measured against an injectable clock, PKCS#8 PEM private keys.
 */
// @ts-nocheck

import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { x509 } from './x509.ts';

/** Tests move time; production reads the system clock. */
export type Clock = () => Date;

export interface ClockOptions {
  readonly now?: Clock;
}

/** The real clock, the default wherever a Clock can be injected. */
export const systemClock: Clock = () => new Date();

/** ECDSA P-256 with SHA-256: small keys, fast TLS 1.3 handshakes, accepted by every client. */
export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** One day in milliseconds, the unit of certificate lifetimes. */
export const DAY_MS = 86_400_000;
/** Certificates are renewed when less than this remains, long before any client can see an expired one. */
export const RENEW_WITHIN_MS = 30 * DAY_MS;
/** notBefore is set a little in the past so that a client whose clock lags slightly still accepts a fresh certificate. */
export const BACKDATE_MS = 5 * 60_000;

/** `<dataDir>/tls`, absolute (so `credentials.json` can point at it): every file of auto mode lives here. */
export function tlsDirectory(dataDir: string): string {
  return resolve(dataDir, 'tls');
}

/**
 * RFC 5280 §4.1.2.2: a positive integer of at most 20 octets; CA/Browser Forum asks for at least 64
 * random bits. 16 random bytes with the top bits fixed to 01 are positive and never need a pad byte.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes.writeUInt8((bytes.readUInt8(0) & 0x3f) | 0x40, 0);
  return bytes.toString('hex');
}

/** A fresh extractable P-256 key pair; extractable so the private key can be written as PKCS#8. */
export async function generateKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

/** PEM with the final newline that @peculiar/x509 leaves off, so that files and bundles concatenate cleanly. */
export function certificatePem(certificate: { toString(format: 'pem'): string }): string {
  return `${certificate.toString('pem')}\n`;
}

/** PKCS#8 PEM (`BEGIN PRIVATE KEY`), the form Node, OpenSSL and Kubernetes TLS Secrets all read. */
export function privateKeyPem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The validity window of a certificate issued at `now` for `days` days. */
export function validity(now: Date, days: number): { readonly notBefore: Date; readonly notAfter: Date } {
  return { notBefore: new Date(now.getTime() - BACKDATE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** A freshly signed certificate with its new key, PEM. */
export interface IssuedPem {
  readonly cert: string;
  readonly key: string;
}

/**
 * The root profile every cryptoutil CA uses (the local development CA, the operator's bootstrap
 * CA): ECDSA P-256, pathLen 0 because it signs server certificates only (RFC 5280 §4.2.1.9).
 */
export async function selfSignedServerCa(subject: string, days: number, now: Date): Promise<IssuedPem> {
  const keys = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: subject,
    ...validity(now, days),
    keys,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificatePem(certificate), key: privateKeyPem(keys.privateKey) };
}

/** The issuing CA of a server certificate: its certificate and a sign-only key. */
export interface SigningCa {
  readonly certificate: x509.X509Certificate;
  readonly privateKey: webcrypto.CryptoKey;
}

/**
 * The TLS server profile: ECDSA keys sign the TLS 1.3 handshake and nothing else (RFC 5280
 * §4.2.1.3, §4.2.1.12); IP addresses go in iPAddress SAN entries (§4.2.1.6).
 */
export async function signServerCertificate(ca: SigningCa, subject: string, names: readonly string[], days: number, now: Date): Promise<IssuedPem> {
  const keys = await generateKeyPair();
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${subject}`,
    issuer: ca.certificate.subject,
    ...validity(now, days),
    publicKey: keys.publicKey,
    signingKey: ca.privateKey,
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: isIP(name) === 0 ? 'dns' : 'ip', value: name }))),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ],
  });
  return { cert: certificatePem(certificate), key: privateKeyPem(keys.privateKey) };
}
