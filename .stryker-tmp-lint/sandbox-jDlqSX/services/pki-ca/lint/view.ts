/**
 * The certificate as the lint's rules see it: parsed once from its DER (`rawData`) into the facts
 * the rules test, so that each rule stays a small pure function of this view.
 */
// @ts-nocheck
function stryNS_9fa48() {
  var g = typeof globalThis === 'object' && globalThis && globalThis.Math === Math && globalThis || new Function("return this")();
  var ns = g.__stryker__ || (g.__stryker__ = {});
  if (ns.activeMutant === undefined && g.process && g.process.env && g.process.env.__STRYKER_ACTIVE_MUTANT__) {
    ns.activeMutant = g.process.env.__STRYKER_ACTIVE_MUTANT__;
  }
  function retrieveNS() {
    return ns;
  }
  stryNS_9fa48 = retrieveNS;
  return retrieveNS();
}
stryNS_9fa48();
function stryCov_9fa48() {
  var ns = stryNS_9fa48();
  var cov = ns.mutantCoverage || (ns.mutantCoverage = {
    static: {},
    perTest: {}
  });
  function cover() {
    var c = cov.static;
    if (ns.currentTestId) {
      c = cov.perTest[ns.currentTestId] = cov.perTest[ns.currentTestId] || {};
    }
    var a = arguments;
    for (var i = 0; i < a.length; i++) {
      c[a[i]] = (c[a[i]] || 0) + 1;
    }
  }
  stryCov_9fa48 = cover;
  cover.apply(null, arguments);
}
function stryMutAct_9fa48(id) {
  var ns = stryNS_9fa48();
  function isActive(id) {
    if (ns.activeMutant === id) {
      if (ns.hitCount !== void 0 && ++ns.hitCount > ns.hitLimit) {
        throw new Error('Stryker: Hit count limit reached (' + ns.hitCount + ')');
      }
      return true;
    }
    return false;
  }
  stryMutAct_9fa48 = isActive;
  return isActive(id);
}
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

/** Extended key usage OIDs the rules name. */
export const eku = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9'
} as const;

/** RFC 5280 §4.1.2.5: Time is a CHOICE of UTCTime (tag 0x17) and GeneralizedTime (tag 0x18). */
const GENERALIZED_TIME_TAG = 0x18;
function encodedTime(bytes: Uint8Array, element: DerElement): EncodedTime {
  if (stryMutAct_9fa48("835")) {
    {}
  } else {
    stryCov_9fa48("835");
    return stryMutAct_9fa48("836") ? {} : (stryCov_9fa48("836"), {
      type: (stryMutAct_9fa48("839") ? element.tag !== GENERALIZED_TIME_TAG : stryMutAct_9fa48("838") ? false : stryMutAct_9fa48("837") ? true : (stryCov_9fa48("837", "838", "839"), element.tag === GENERALIZED_TIME_TAG)) ? stryMutAct_9fa48("840") ? "" : (stryCov_9fa48("840"), 'GeneralizedTime') : stryMutAct_9fa48("841") ? "" : (stryCov_9fa48("841"), 'UTCTime'),
      text: Buffer.from(bytes.subarray(element.contentStart, element.end)).toString(stryMutAct_9fa48("842") ? "" : (stryCov_9fa48("842"), 'latin1'))
    });
  }
}
function publicKeyFacts(spki: Uint8Array): PublicKeyFacts {
  if (stryMutAct_9fa48("843")) {
    {}
  } else {
    stryCov_9fa48("843");
    try {
      if (stryMutAct_9fa48("844")) {
        {}
      } else {
        stryCov_9fa48("844");
        const key = createPublicKey(stryMutAct_9fa48("845") ? {} : (stryCov_9fa48("845"), {
          key: Buffer.from(spki),
          format: stryMutAct_9fa48("846") ? "" : (stryCov_9fa48("846"), 'der'),
          type: stryMutAct_9fa48("847") ? "" : (stryCov_9fa48("847"), 'spki')
        }));
        const details = Object.assign(stryMutAct_9fa48("848") ? {} : (stryCov_9fa48("848"), {
          modulusLength: 0,
          namedCurve: stryMutAct_9fa48("849") ? "Stryker was here!" : (stryCov_9fa48("849"), '')
        }), key.asymmetricKeyDetails);
        return stryMutAct_9fa48("850") ? {} : (stryCov_9fa48("850"), {
          type: String(key.asymmetricKeyType),
          modulusLength: details.modulusLength,
          namedCurve: details.namedCurve,
          key
        });
      }
    } catch {
      if (stryMutAct_9fa48("851")) {
        {}
      } else {
        stryCov_9fa48("851");
        return stryMutAct_9fa48("852") ? {} : (stryCov_9fa48("852"), {
          type: stryMutAct_9fa48("853") ? "" : (stryCov_9fa48("853"), 'unreadable'),
          modulusLength: 0,
          namedCurve: stryMutAct_9fa48("854") ? "Stryker was here!" : (stryCov_9fa48("854"), ''),
          key: undefined
        });
      }
    }
  }
}
function firstOf<T extends x509.Extension>(extensions: readonly x509.Extension[], type: abstract new (...args: never[]) => T): T | undefined {
  if (stryMutAct_9fa48("855")) {
    {}
  } else {
    stryCov_9fa48("855");
    return extensions.find(stryMutAct_9fa48("856") ? () => undefined : (stryCov_9fa48("856"), (extension): extension is T => extension instanceof type));
  }
}

/** Parses a certificate for the rules. */
export function viewCertificate(certificate: x509.X509Certificate): CertificateView {
  if (stryMutAct_9fa48("857")) {
    {}
  } else {
    stryCov_9fa48("857");
    const der = new Uint8Array(certificate.rawData);
    const asn = AsnConvert.parse(der, Certificate);
    const tbs = childAt(der, readElement(der, 0), 0);
    // RFC 5280 §4.1: version is an explicit [0] that DER omits for v1.
    const skip = (stryMutAct_9fa48("860") ? childAt(der, tbs, 0).tag !== 0xa0 : stryMutAct_9fa48("859") ? false : stryMutAct_9fa48("858") ? true : (stryCov_9fa48("858", "859", "860"), childAt(der, tbs, 0).tag === 0xa0)) ? 1 : 0;
    const field = (index: number): Uint8Array => {
      if (stryMutAct_9fa48("861")) {
        {}
      } else {
        stryCov_9fa48("861");
        const element = childAt(der, tbs, stryMutAct_9fa48("862") ? skip - index : (stryCov_9fa48("862"), skip + index));
        return der.subarray(element.start, element.end);
      }
    };
    const validity = childAt(der, tbs, stryMutAct_9fa48("863") ? skip - 3 : (stryCov_9fa48("863"), skip + 3));
    const extensions = certificate.extensions;
    const basicConstraints = firstOf(extensions, x509.BasicConstraintsExtension);
    const keyUsage = firstOf(extensions, x509.KeyUsagesExtension);
    return stryMutAct_9fa48("864") ? {} : (stryCov_9fa48("864"), {
      certificate,
      asn,
      tbsDer: der.subarray(tbs.start, tbs.end),
      version: stryMutAct_9fa48("865") ? asn.tbsCertificate.version - 1 : (stryCov_9fa48("865"), asn.tbsCertificate.version + 1),
      serial: new Uint8Array(asn.tbsCertificate.serialNumber),
      issuerDer: field(2),
      subjectDer: field(4),
      spkiDer: field(5),
      issuerEmpty: stryMutAct_9fa48("868") ? asn.tbsCertificate.issuer.length !== 0 : stryMutAct_9fa48("867") ? false : stryMutAct_9fa48("866") ? true : (stryCov_9fa48("866", "867", "868"), asn.tbsCertificate.issuer.length === 0),
      subjectEmpty: stryMutAct_9fa48("871") ? asn.tbsCertificate.subject.length !== 0 : stryMutAct_9fa48("870") ? false : stryMutAct_9fa48("869") ? true : (stryCov_9fa48("869", "870", "871"), asn.tbsCertificate.subject.length === 0),
      notBefore: encodedTime(der, childAt(der, validity, 0)),
      notAfter: encodedTime(der, childAt(der, validity, 1)),
      extensions,
      basicConstraints,
      keyUsage,
      // @peculiar/x509 reads an empty bit string as NaN; no extension is undefined: both are no bit.
      keyUsageBits: stryMutAct_9fa48("874") ? Number(keyUsage?.usages) && 0 : stryMutAct_9fa48("873") ? false : stryMutAct_9fa48("872") ? true : (stryCov_9fa48("872", "873", "874"), Number(stryMutAct_9fa48("875") ? keyUsage.usages : (stryCov_9fa48("875"), keyUsage?.usages)) || 0),
      extendedKeyUsage: firstOf(extensions, x509.ExtendedKeyUsageExtension),
      subjectAltName: firstOf(extensions, x509.SubjectAlternativeNameExtension),
      isCa: stryMutAct_9fa48("878") ? basicConstraints?.ca !== true : stryMutAct_9fa48("877") ? false : stryMutAct_9fa48("876") ? true : (stryCov_9fa48("876", "877", "878"), (stryMutAct_9fa48("879") ? basicConstraints.ca : (stryCov_9fa48("879"), basicConstraints?.ca)) === (stryMutAct_9fa48("880") ? false : (stryCov_9fa48("880"), true))),
      publicKey: publicKeyFacts(field(5))
    });
  }
}

/** The certificate carries the key usage bit. */
export function hasKeyUsage(certificate: CertificateView, flag: x509.KeyUsageFlags): boolean {
  if (stryMutAct_9fa48("881")) {
    {}
  } else {
    stryCov_9fa48("881");
    return stryMutAct_9fa48("884") ? (certificate.keyUsageBits & flag) === 0 : stryMutAct_9fa48("883") ? false : stryMutAct_9fa48("882") ? true : (stryCov_9fa48("882", "883", "884"), (certificate.keyUsageBits & flag) !== 0);
  }
}

/** The certificate's extended key usage lists the OID. */
export function hasExtendedKeyUsage(certificate: CertificateView, oid: string): boolean {
  if (stryMutAct_9fa48("885")) {
    {}
  } else {
    stryCov_9fa48("885");
    return stryMutAct_9fa48("888") ? certificate.extendedKeyUsage?.usages.includes(oid) !== true : stryMutAct_9fa48("887") ? false : stryMutAct_9fa48("886") ? true : (stryCov_9fa48("886", "887", "888"), (stryMutAct_9fa48("889") ? certificate.extendedKeyUsage.usages.includes(oid) : (stryCov_9fa48("889"), certificate.extendedKeyUsage?.usages.includes(oid))) === (stryMutAct_9fa48("890") ? false : (stryCov_9fa48("890"), true)));
  }
}

/** Issued by its own key under its own name (a root). */
export function isSelfSigned(certificate: CertificateView, context: LintContext): boolean {
  if (stryMutAct_9fa48("891")) {
    {}
  } else {
    stryCov_9fa48("891");
    return stryMutAct_9fa48("894") ? Buffer.from(certificate.issuerDer).equals(certificate.subjectDer) || Buffer.from(certificate.spkiDer).equals(context.issuer.spkiDer) : stryMutAct_9fa48("893") ? false : stryMutAct_9fa48("892") ? true : (stryCov_9fa48("892", "893", "894"), Buffer.from(certificate.issuerDer).equals(certificate.subjectDer) && Buffer.from(certificate.spkiDer).equals(context.issuer.spkiDer));
  }
}