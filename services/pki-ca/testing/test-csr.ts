/**
 * PKCS#10 requests for profile tests: key pairs of every type a profile may meet (also ones no
 * profile allows) and CSRs with any subject and SANs, including ones whose signature does not hold.
 */
import { webcrypto } from 'node:crypto';
import { x509 } from '../../template/tls/x509.ts';

/** The key kinds tests make CSRs for. */
export type TestKeyKind = 'P-256' | 'P-384' | 'P-521' | 'RSA-2048' | 'RSA-3072' | 'RSA-4096' | 'Ed25519';

interface KeyRow {
  readonly generate: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams | webcrypto.KeyAlgorithm;
  readonly sign: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

const RSA_EXPONENT = new Uint8Array([1, 0, 1]);
const rsa = (modulusLength: number): KeyRow => ({ generate: { name: 'RSASSA-PKCS1-v1_5', modulusLength, publicExponent: RSA_EXPONENT, hash: 'SHA-256' }, sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } });

const keyRows: Readonly<Record<TestKeyKind, KeyRow>> = {
  'P-256': { generate: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } },
  'P-384': { generate: { name: 'ECDSA', namedCurve: 'P-384' }, sign: { name: 'ECDSA', hash: 'SHA-384' } },
  'P-521': { generate: { name: 'ECDSA', namedCurve: 'P-521' }, sign: { name: 'ECDSA', hash: 'SHA-512' } },
  'RSA-2048': rsa(2048),
  'RSA-3072': rsa(3072),
  'RSA-4096': rsa(4096),
  'Ed25519': { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

/** A key pair of `kind`, to sign test CSRs. */
export interface TestCsrKeys {
  readonly kind: TestKeyKind;
  readonly pair: webcrypto.CryptoKeyPair;
}

/** A new key pair of `kind`. */
export async function generateCsrKeys(kind: TestKeyKind): Promise<TestCsrKeys> {
  const pair = await webcrypto.subtle.generateKey(keyRows[kind].generate, true, ['sign', 'verify']) as webcrypto.CryptoKeyPair;
  return { kind, pair };
}

/** What a test CSR holds. */
export interface TestCsrOptions {
  /** Subject in @peculiar/x509 text or JSON form; empty by default. */
  readonly subject?: string | x509.JsonName;
  readonly sans?: readonly x509.JsonGeneralName[];
  /** Sign with a different key than the one the CSR names, so its signature does not verify. */
  readonly signWith?: TestCsrKeys;
}

/** A CSR made by `Pkcs10CertificateRequestGenerator.create`, with the SANs in its extensionRequest. */
export async function makeCsr(keys: TestCsrKeys, options: TestCsrOptions = {}): Promise<x509.Pkcs10CertificateRequest> {
  const sans = options.sans ?? [];
  const signer = options.signWith ?? keys;
  return await x509.Pkcs10CertificateRequestGenerator.create({
    name: options.subject ?? '',
    keys: { publicKey: keys.pair.publicKey, privateKey: signer.pair.privateKey },
    signingAlgorithm: keyRows[signer.kind].sign,
    extensions: sans.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension([...sans])],
  });
}
