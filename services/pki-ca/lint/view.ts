/**
 * The certificate as the lint's rules see it: parsed once from its DER (`rawData`) into the facts
 * the rules test, so that each rule stays a small pure function of this view.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { x509 } from '../../template/tls/x509.ts';
import type { IssuancePlan, LintFinding } from '../contract.ts';
import { childAt, readElement, type DerElement } from './der.ts';

/** A validity time as encoded: its ASN.1 type and its text (`260101120000Z`). */
export interface EncodedTime {
  readonly type: 'UTCTime' | 'GeneralizedTime';
  readonly text: string;
}

/** The subject public key as Node reads it (`asymmetricKeyType` `rsa`, `ec`, `ed25519` …, or `unreadable`). */
export interface PublicKeyFacts {
  readonly type: string;
  /** 0 unless RSA. */
  readonly modulusLength: number;
  /** OpenSSL's curve name (`prime256v1`, `secp384r1`, `secp521r1` …), `''` unless EC. */
  readonly namedCurve: string;
  /** Undefined when Node cannot read the key (an algorithm it does not know). */
  readonly key: KeyObject | undefined;
}

/** One certificate parsed for the rules. */
export interface CertificateView {
  readonly certificate: x509.X509Certificate;
  readonly asn: Certificate;
  readonly tbsDer: Uint8Array;
  /** 1, 2 or 3 (the DER field holds the version minus one). */
  readonly version: number;
  /** The serial INTEGER's content octets (two's complement, as encoded). */
  readonly serial: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly subjectDer: Uint8Array;
  readonly spkiDer: Uint8Array;
  readonly issuerEmpty: boolean;
  readonly subjectEmpty: boolean;
  readonly notBefore: EncodedTime;
  readonly notAfter: EncodedTime;
  readonly extensions: readonly x509.Extension[];
  readonly basicConstraints: x509.BasicConstraintsExtension | undefined;
  readonly keyUsage: x509.KeyUsagesExtension | undefined;
  /** The key usage bits (`x509.KeyUsageFlags`), 0 without the extension or with no bit. */
  readonly keyUsageBits: number;
  readonly extendedKeyUsage: x509.ExtendedKeyUsageExtension | undefined;
  readonly subjectAltName: x509.SubjectAlternativeNameExtension | undefined;
  /** basicConstraints is present with cA TRUE. */
  readonly isCa: boolean;
  readonly publicKey: PublicKeyFacts;
}

/** What every rule may consult besides the certificate: its issuer and the plan it was made from. */
export interface LintContext {
  readonly issuer: CertificateView;
  readonly plan: IssuancePlan;
}

/** Where a rule comes from; the docs cite the section in `citation`. */
export type LintSource = 'RFC5280' | 'CABF_BR' | 'RFC6960' | 'RFC3161' | 'RFC5480' | 'RFC8410';

/** One row of the rule table: a named, cited, pure check of a certificate. */
export interface LintRule {
  /** zlint's name where zlint has the rule. */
  readonly name: string;
  readonly level: LintFinding['level'];
  readonly source: LintSource;
  readonly citation: string;
  /** What the rule requires, one sentence, for the docs. */
  readonly description: string;
  applies(certificate: CertificateView, context: LintContext): boolean;
  /** The detail of a finding, or undefined when the certificate passes. */
  check(certificate: CertificateView, context: LintContext): string | undefined;
}

/** RFC 5280 §4.1.2.5: Time is a CHOICE of UTCTime (tag 0x17) and GeneralizedTime (tag 0x18). */
const GENERALIZED_TIME_TAG = 0x18;

function encodedTime(bytes: Uint8Array, element: DerElement): EncodedTime {
  return { type: element.tag === GENERALIZED_TIME_TAG ? 'GeneralizedTime' : 'UTCTime', text: Buffer.from(bytes.subarray(element.contentStart, element.end)).toString('latin1') };
}

function publicKeyFacts(spki: Uint8Array): PublicKeyFacts {
  try {
    const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
    const details = Object.assign({ modulusLength: 0, namedCurve: '' }, key.asymmetricKeyDetails);
    return { type: String(key.asymmetricKeyType), modulusLength: details.modulusLength, namedCurve: details.namedCurve, key };
  } catch {
    return { type: 'unreadable', modulusLength: 0, namedCurve: '', key: undefined };
  }
}

function firstOf<T extends x509.Extension>(extensions: readonly x509.Extension[], type: abstract new (...args: never[]) => T): T | undefined {
  return extensions.find((extension): extension is T => extension instanceof type);
}

/** Parses a certificate for the rules. */
export function viewCertificate(certificate: x509.X509Certificate): CertificateView {
  const der = new Uint8Array(certificate.rawData);
  const asn = AsnConvert.parse(der, Certificate);
  const tbs = childAt(der, readElement(der, 0), 0);
  // RFC 5280 §4.1: version is an explicit [0] that DER omits for v1.
  const skip = childAt(der, tbs, 0).tag === 0xa0 ? 1 : 0;
  const field = (index: number): Uint8Array => {
    const element = childAt(der, tbs, skip + index);
    return der.subarray(element.start, element.end);
  };
  const validity = childAt(der, tbs, skip + 3);
  const extensions = certificate.extensions;
  const basicConstraints = firstOf(extensions, x509.BasicConstraintsExtension);
  const keyUsage = firstOf(extensions, x509.KeyUsagesExtension);
  return {
    certificate,
    asn,
    tbsDer: der.subarray(tbs.start, tbs.end),
    version: asn.tbsCertificate.version + 1,
    serial: new Uint8Array(asn.tbsCertificate.serialNumber),
    issuerDer: field(2),
    subjectDer: field(4),
    spkiDer: field(5),
    issuerEmpty: asn.tbsCertificate.issuer.length === 0,
    subjectEmpty: asn.tbsCertificate.subject.length === 0,
    notBefore: encodedTime(der, childAt(der, validity, 0)),
    notAfter: encodedTime(der, childAt(der, validity, 1)),
    extensions,
    basicConstraints,
    keyUsage,
    // @peculiar/x509 reads an empty bit string as NaN; no extension is undefined: both are no bit.
    keyUsageBits: Number(keyUsage?.usages) || 0,
    extendedKeyUsage: firstOf(extensions, x509.ExtendedKeyUsageExtension),
    subjectAltName: firstOf(extensions, x509.SubjectAlternativeNameExtension),
    isCa: basicConstraints?.ca === true,
    publicKey: publicKeyFacts(field(5)),
  };
}

/** The certificate carries the key usage bit. */
export function hasKeyUsage(certificate: CertificateView, flag: x509.KeyUsageFlags): boolean {
  return (certificate.keyUsageBits & flag) !== 0;
}

/** The certificate's extended key usage lists the OID. */
export function hasExtendedKeyUsage(certificate: CertificateView, oid: string): boolean {
  return certificate.extendedKeyUsage?.usages.includes(oid) === true;
}

/** Issued by its own key under its own name (a root). */
export function isSelfSigned(certificate: CertificateView, context: LintContext): boolean {
  return Buffer.from(certificate.issuerDer).equals(certificate.subjectDer) && Buffer.from(certificate.spkiDer).equals(context.issuer.spkiDer);
}
