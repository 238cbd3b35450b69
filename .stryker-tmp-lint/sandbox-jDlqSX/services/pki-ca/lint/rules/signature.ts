/**
 * Rules that tie the certificate to its issuer: the signature verifies under the issuer's key, and
 * the issuer field names the issuer (RFC 5280 §4.1.1.3, §4.1.2.4, §6.1.3).
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
import { verify, type KeyObject } from 'node:crypto';
import type { LintRule } from '../view.ts';

/** Signature algorithm OID → the digest Node verifies with (`null`: the algorithm hashes itself). */
const signatureDigests: ReadonlyMap<string, string | null> = new Map(stryMutAct_9fa48("766") ? [] : (stryCov_9fa48("766"), [stryMutAct_9fa48("767") ? [] : (stryCov_9fa48("767"), [stryMutAct_9fa48("768") ? "" : (stryCov_9fa48("768"), '1.2.840.10045.4.3.2'), stryMutAct_9fa48("769") ? "" : (stryCov_9fa48("769"), 'sha256')]), stryMutAct_9fa48("770") ? [] : (stryCov_9fa48("770"), [stryMutAct_9fa48("771") ? "" : (stryCov_9fa48("771"), '1.2.840.10045.4.3.3'), stryMutAct_9fa48("772") ? "" : (stryCov_9fa48("772"), 'sha384')]), stryMutAct_9fa48("773") ? [] : (stryCov_9fa48("773"), [stryMutAct_9fa48("774") ? "" : (stryCov_9fa48("774"), '1.2.840.10045.4.3.4'), stryMutAct_9fa48("775") ? "" : (stryCov_9fa48("775"), 'sha512')]), stryMutAct_9fa48("776") ? [] : (stryCov_9fa48("776"), [stryMutAct_9fa48("777") ? "" : (stryCov_9fa48("777"), '1.2.840.113549.1.1.11'), stryMutAct_9fa48("778") ? "" : (stryCov_9fa48("778"), 'sha256')]), stryMutAct_9fa48("779") ? [] : (stryCov_9fa48("779"), [stryMutAct_9fa48("780") ? "" : (stryCov_9fa48("780"), '1.2.840.113549.1.1.12'), stryMutAct_9fa48("781") ? "" : (stryCov_9fa48("781"), 'sha384')]), stryMutAct_9fa48("782") ? [] : (stryCov_9fa48("782"), [stryMutAct_9fa48("783") ? "" : (stryCov_9fa48("783"), '1.2.840.113549.1.1.13'), stryMutAct_9fa48("784") ? "" : (stryCov_9fa48("784"), 'sha512')]), stryMutAct_9fa48("785") ? [] : (stryCov_9fa48("785"), [stryMutAct_9fa48("786") ? "" : (stryCov_9fa48("786"), '1.3.101.112'), null])]));

/** Undefined when the signature verifies, else the finding's detail. */
function signatureProblem(digest: string | null, data: Uint8Array, key: KeyObject, signature: Uint8Array): string | undefined {
  if (stryMutAct_9fa48("787")) {
    {}
  } else {
    stryCov_9fa48("787");
    try {
      if (stryMutAct_9fa48("788")) {
        {}
      } else {
        stryCov_9fa48("788");
        if (stryMutAct_9fa48("790") ? false : stryMutAct_9fa48("789") ? true : (stryCov_9fa48("789", "790"), verify(digest, data, stryMutAct_9fa48("791") ? {} : (stryCov_9fa48("791"), {
          key,
          dsaEncoding: stryMutAct_9fa48("792") ? "" : (stryCov_9fa48("792"), 'der')
        }), signature))) return undefined;
      }
    } catch {
      // Node throws rather than answers false when the key does not fit the algorithm: both are a bad signature.
    }
    return stryMutAct_9fa48("793") ? "" : (stryCov_9fa48("793"), 'signature does not verify under the issuer key');
  }
}

/** The rules on the signature and issuer, in table order. */
export const signatureRules: readonly LintRule[] = stryMutAct_9fa48("794") ? [] : (stryCov_9fa48("794"), [stryMutAct_9fa48("795") ? {} : (stryCov_9fa48("795"), {
  name: stryMutAct_9fa48("796") ? "" : (stryCov_9fa48("796"), 'e_signature_invalid'),
  level: stryMutAct_9fa48("797") ? "" : (stryCov_9fa48("797"), 'error'),
  source: stryMutAct_9fa48("798") ? "" : (stryCov_9fa48("798"), 'RFC5280'),
  citation: stryMutAct_9fa48("799") ? "" : (stryCov_9fa48("799"), 'RFC 5280 §4.1.1.3, §6.1.3'),
  description: stryMutAct_9fa48("800") ? "" : (stryCov_9fa48("800"), 'The signature verifies under the issuer’s public key with the algorithm the certificate names.'),
  applies: stryMutAct_9fa48("801") ? () => undefined : (stryCov_9fa48("801"), () => stryMutAct_9fa48("802") ? false : (stryCov_9fa48("802"), true)),
  check: (certificate, context) => {
    if (stryMutAct_9fa48("803")) {
      {}
    } else {
      stryCov_9fa48("803");
      const algorithm = certificate.asn.signatureAlgorithm.algorithm;
      const digest = signatureDigests.get(algorithm);
      if (stryMutAct_9fa48("806") ? digest !== undefined : stryMutAct_9fa48("805") ? false : stryMutAct_9fa48("804") ? true : (stryCov_9fa48("804", "805", "806"), digest === undefined)) return stryMutAct_9fa48("807") ? `` : (stryCov_9fa48("807"), `signature algorithm ${algorithm} is not supported`);
      const key = context.issuer.publicKey.key;
      if (stryMutAct_9fa48("810") ? key !== undefined : stryMutAct_9fa48("809") ? false : stryMutAct_9fa48("808") ? true : (stryCov_9fa48("808", "809", "810"), key === undefined)) return stryMutAct_9fa48("811") ? "" : (stryCov_9fa48("811"), 'issuer public key cannot be read');
      return signatureProblem(digest, certificate.tbsDer, key, new Uint8Array(certificate.asn.signatureValue));
    }
  }
}), stryMutAct_9fa48("812") ? {} : (stryCov_9fa48("812"), {
  name: stryMutAct_9fa48("813") ? "" : (stryCov_9fa48("813"), 'e_cert_sig_alg_not_match_tbs_sig_alg'),
  level: stryMutAct_9fa48("814") ? "" : (stryCov_9fa48("814"), 'error'),
  source: stryMutAct_9fa48("815") ? "" : (stryCov_9fa48("815"), 'RFC5280'),
  citation: stryMutAct_9fa48("816") ? "" : (stryCov_9fa48("816"), 'RFC 5280 §4.1.1.2'),
  description: stryMutAct_9fa48("817") ? "" : (stryCov_9fa48("817"), 'The signatureAlgorithm field equals the signature field inside tbsCertificate.'),
  applies: stryMutAct_9fa48("818") ? () => undefined : (stryCov_9fa48("818"), () => stryMutAct_9fa48("819") ? false : (stryCov_9fa48("819"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("820")) {
      {}
    } else {
      stryCov_9fa48("820");
      const outer = certificate.asn.signatureAlgorithm.algorithm;
      const inner = certificate.asn.tbsCertificate.signature.algorithm;
      return (stryMutAct_9fa48("823") ? outer !== inner : stryMutAct_9fa48("822") ? false : stryMutAct_9fa48("821") ? true : (stryCov_9fa48("821", "822", "823"), outer === inner)) ? undefined : stryMutAct_9fa48("824") ? `` : (stryCov_9fa48("824"), `signatureAlgorithm ${outer} differs from tbsCertificate.signature ${inner}`);
    }
  }
}), stryMutAct_9fa48("825") ? {} : (stryCov_9fa48("825"), {
  name: stryMutAct_9fa48("826") ? "" : (stryCov_9fa48("826"), 'e_issuer_dn_mismatch'),
  level: stryMutAct_9fa48("827") ? "" : (stryCov_9fa48("827"), 'error'),
  source: stryMutAct_9fa48("828") ? "" : (stryCov_9fa48("828"), 'RFC5280'),
  citation: stryMutAct_9fa48("829") ? "" : (stryCov_9fa48("829"), 'RFC 5280 §4.1.2.4, §6.1.3'),
  description: stryMutAct_9fa48("830") ? "" : (stryCov_9fa48("830"), 'The issuer field is, octet for octet, the subject of the issuing certificate.'),
  applies: stryMutAct_9fa48("831") ? () => undefined : (stryCov_9fa48("831"), () => stryMutAct_9fa48("832") ? false : (stryCov_9fa48("832"), true)),
  check: stryMutAct_9fa48("833") ? () => undefined : (stryCov_9fa48("833"), (certificate, context) => Buffer.from(certificate.issuerDer).equals(context.issuer.subjectDer) ? undefined : stryMutAct_9fa48("834") ? `` : (stryCov_9fa48("834"), `issuer "${certificate.certificate.issuer}" is not the issuer certificate's subject "${context.issuer.certificate.subject}"`))
})]);