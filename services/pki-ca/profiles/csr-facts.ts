/**
 * What the profile rules read of a PKCS#10 request, taken out once: whether its signature holds,
 * its key type and size, its subject attributes and the names of its extensionRequest SAN. The
 * rules are then pure functions of these facts.
 */
import { createPublicKey, type AsymmetricKeyDetails } from 'node:crypto';
import { x509 } from '../../template/tls/x509.ts';

/** The CSR's public key: `type` is EC, RSA or Ed25519, or node's name for any other key type. */
export interface CsrKey {
  readonly type: string;
  /** EC only: P-256, P-384, P-521 or node's curve name. */
  readonly curve?: string;
  /** RSA only: modulus length. */
  readonly bits?: number;
}

/** One subject attribute: its short name (CN, O, …) or dotted OID, and its value. */
export interface SubjectAttribute {
  readonly type: string;
  readonly value: string;
}

/** One requested SAN: dns, ip, email, uri, or @peculiar/x509's name of another type (dn, upn, guid, id). */
export interface RequestedName {
  readonly type: string;
  readonly value: string;
}

/** Everything the rules and the plan read of one CSR. */
export interface CsrFacts {
  readonly signatureValid: boolean;
  readonly key: CsrKey;
  /** The subject as @peculiar/x509 writes it (RDNs in encoding order, RFC 4514 escaping). */
  readonly subject: string;
  readonly subjectAttributes: readonly SubjectAttribute[];
  readonly subjectAltNames: readonly RequestedName[];
}

const keyTypes: ReadonlyMap<string, string> = new Map([['ec', 'EC'], ['rsa', 'RSA'], ['ed25519', 'Ed25519']]);
const curves: ReadonlyMap<string, string> = new Map([['prime256v1', 'P-256'], ['secp384r1', 'P-384'], ['secp521r1', 'P-521']]);
// @peculiar/x509 calls a URI a `url`; the plan uses RFC 5280's `uri`.
const sanTypes: ReadonlyMap<string, string> = new Map([['url', 'uri']]);

/** The table's name for `key`, or `key` itself when the table has no row for it. */
function lookup(table: ReadonlyMap<string, string>, key: string): string {
  return table.get(key) ?? key;
}

/** The key type and size of a DER SubjectPublicKeyInfo. */
export function readKey(spki: ArrayBuffer): CsrKey {
  let key;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return { type: 'unknown' };
  }
  const type = lookup(keyTypes, String(key.asymmetricKeyType));
  const details: AsymmetricKeyDetails = key.asymmetricKeyDetails ?? {};
  return {
    type,
    ...(details.namedCurve === undefined ? {} : { curve: lookup(curves, details.namedCurve) }),
    ...(details.modulusLength === undefined ? {} : { bits: details.modulusLength }),
  };
}

/** Verdicts per parsed CSR: enrollment checks the signature before planning, which reads it again. */
const verdicts = new WeakMap<x509.Pkcs10CertificateRequest, Promise<boolean>>();

async function verifyCsr(csr: x509.Pkcs10CertificateRequest): Promise<boolean> {
  try {
    return await csr.verify();
  } catch {
    // An algorithm WebCrypto does not know (DSA, RSA-PSS with odd parameters) cannot be verified here.
    return false;
  }
}

/** Whether the CSR's self-signature verifies; verified once per parsed request object. */
export async function signatureHolds(csr: x509.Pkcs10CertificateRequest): Promise<boolean> {
  let verdict = verdicts.get(csr);
  if (verdict === undefined) {
    verdict = verifyCsr(csr);
    verdicts.set(csr, verdict);
  }
  return await verdict;
}

/** The facts of one CSR. */
export async function readCsr(csr: x509.Pkcs10CertificateRequest): Promise<CsrFacts> {
  const san = csr.extensions.find((extension) => extension instanceof x509.SubjectAlternativeNameExtension);
  return {
    signatureValid: await signatureHolds(csr),
    key: readKey(csr.publicKey.rawData),
    subject: csr.subject,
    subjectAttributes: csr.subjectName.toJSON().flatMap((rdn) => Object.entries(rdn).flatMap(([type, values]) => values.map((value) => ({ type, value })))),
    subjectAltNames: (san?.names.toJSON() ?? []).map((name) => ({ type: lookup(sanTypes, name.type), value: name.value })),
  };
}
