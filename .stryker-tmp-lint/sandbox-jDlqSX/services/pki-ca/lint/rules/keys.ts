/**
 * Rules on the subject public key and the key usages it allows (BR §6.1.5, §6.1.6; RFC 5480 §3;
 * RFC 8410 §5).
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
import { x509 } from '../../../template/tls/x509.ts';
import type { LintRule } from '../view.ts';

/** BR §6.1.5: RSA moduli of at least 2048 bits. */
const MIN_RSA_BITS = 2048;
/** BR §6.1.5: P-256, P-384 or P-521 (OpenSSL's names). */
const allowedCurves: ReadonlySet<string> = new Set(stryMutAct_9fa48("504") ? [] : (stryCov_9fa48("504"), [stryMutAct_9fa48("505") ? "" : (stryCov_9fa48("505"), 'prime256v1'), stryMutAct_9fa48("506") ? "" : (stryCov_9fa48("506"), 'secp384r1'), stryMutAct_9fa48("507") ? "" : (stryCov_9fa48("507"), 'secp521r1')]));
/** RFC 5480 §3: an ECDSA key neither enciphers keys nor data. */
const ecdsaForbiddenUsages = x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.dataEncipherment;
/** RFC 8410 §5: an Ed25519 certificate's key usage holds only these bits. */
const ed25519AllowedUsages = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

/** The rules on keys, in table order. */
export const keyRules: readonly LintRule[] = stryMutAct_9fa48("508") ? [] : (stryCov_9fa48("508"), [stryMutAct_9fa48("509") ? {} : (stryCov_9fa48("509"), {
  name: stryMutAct_9fa48("510") ? "" : (stryCov_9fa48("510"), 'e_rsa_mod_less_than_2048_bits'),
  level: stryMutAct_9fa48("511") ? "" : (stryCov_9fa48("511"), 'error'),
  source: stryMutAct_9fa48("512") ? "" : (stryCov_9fa48("512"), 'CABF_BR'),
  citation: stryMutAct_9fa48("513") ? "" : (stryCov_9fa48("513"), 'BR §6.1.5'),
  description: stryMutAct_9fa48("514") ? "" : (stryCov_9fa48("514"), 'An RSA modulus is at least 2048 bits.'),
  applies: stryMutAct_9fa48("515") ? () => undefined : (stryCov_9fa48("515"), certificate => stryMutAct_9fa48("518") ? certificate.publicKey.type !== 'rsa' : stryMutAct_9fa48("517") ? false : stryMutAct_9fa48("516") ? true : (stryCov_9fa48("516", "517", "518"), certificate.publicKey.type === (stryMutAct_9fa48("519") ? "" : (stryCov_9fa48("519"), 'rsa')))),
  check: certificate => {
    if (stryMutAct_9fa48("520")) {
      {}
    } else {
      stryCov_9fa48("520");
      const bits = certificate.publicKey.modulusLength;
      return (stryMutAct_9fa48("524") ? bits >= MIN_RSA_BITS : stryMutAct_9fa48("523") ? bits <= MIN_RSA_BITS : stryMutAct_9fa48("522") ? false : stryMutAct_9fa48("521") ? true : (stryCov_9fa48("521", "522", "523", "524"), bits < MIN_RSA_BITS)) ? stryMutAct_9fa48("525") ? `` : (stryCov_9fa48("525"), `RSA modulus is ${bits} bits`) : undefined;
    }
  }
}), stryMutAct_9fa48("526") ? {} : (stryCov_9fa48("526"), {
  name: stryMutAct_9fa48("527") ? "" : (stryCov_9fa48("527"), 'e_ec_improper_curves'),
  level: stryMutAct_9fa48("528") ? "" : (stryCov_9fa48("528"), 'error'),
  source: stryMutAct_9fa48("529") ? "" : (stryCov_9fa48("529"), 'CABF_BR'),
  citation: stryMutAct_9fa48("530") ? "" : (stryCov_9fa48("530"), 'BR §6.1.5'),
  description: stryMutAct_9fa48("531") ? "" : (stryCov_9fa48("531"), 'An EC key is on P-256, P-384 or P-521.'),
  applies: stryMutAct_9fa48("532") ? () => undefined : (stryCov_9fa48("532"), certificate => stryMutAct_9fa48("535") ? certificate.publicKey.type !== 'ec' : stryMutAct_9fa48("534") ? false : stryMutAct_9fa48("533") ? true : (stryCov_9fa48("533", "534", "535"), certificate.publicKey.type === (stryMutAct_9fa48("536") ? "" : (stryCov_9fa48("536"), 'ec')))),
  check: certificate => {
    if (stryMutAct_9fa48("537")) {
      {}
    } else {
      stryCov_9fa48("537");
      const curve = certificate.publicKey.namedCurve;
      return allowedCurves.has(curve) ? undefined : stryMutAct_9fa48("538") ? `` : (stryCov_9fa48("538"), `EC key is on curve ${curve}`);
    }
  }
}), stryMutAct_9fa48("539") ? {} : (stryCov_9fa48("539"), {
  name: stryMutAct_9fa48("540") ? "" : (stryCov_9fa48("540"), 'e_ecdsa_ee_invalid_ku'),
  level: stryMutAct_9fa48("541") ? "" : (stryCov_9fa48("541"), 'error'),
  source: stryMutAct_9fa48("542") ? "" : (stryCov_9fa48("542"), 'RFC5480'),
  citation: stryMutAct_9fa48("543") ? "" : (stryCov_9fa48("543"), 'RFC 5480 §3'),
  description: stryMutAct_9fa48("544") ? "" : (stryCov_9fa48("544"), 'An end-entity certificate with an EC key asserts neither keyEncipherment nor dataEncipherment.'),
  applies: stryMutAct_9fa48("545") ? () => undefined : (stryCov_9fa48("545"), certificate => stryMutAct_9fa48("548") ? certificate.publicKey.type === 'ec' || !certificate.isCa : stryMutAct_9fa48("547") ? false : stryMutAct_9fa48("546") ? true : (stryCov_9fa48("546", "547", "548"), (stryMutAct_9fa48("550") ? certificate.publicKey.type !== 'ec' : stryMutAct_9fa48("549") ? true : (stryCov_9fa48("549", "550"), certificate.publicKey.type === (stryMutAct_9fa48("551") ? "" : (stryCov_9fa48("551"), 'ec')))) && (stryMutAct_9fa48("552") ? certificate.isCa : (stryCov_9fa48("552"), !certificate.isCa)))),
  check: stryMutAct_9fa48("553") ? () => undefined : (stryCov_9fa48("553"), certificate => (stryMutAct_9fa48("556") ? (certificate.keyUsageBits & ecdsaForbiddenUsages) !== 0 : stryMutAct_9fa48("555") ? false : stryMutAct_9fa48("554") ? true : (stryCov_9fa48("554", "555", "556"), (certificate.keyUsageBits & ecdsaForbiddenUsages) === 0)) ? undefined : stryMutAct_9fa48("557") ? "" : (stryCov_9fa48("557"), 'EC key with keyEncipherment or dataEncipherment'))
}), stryMutAct_9fa48("558") ? {} : (stryCov_9fa48("558"), {
  name: stryMutAct_9fa48("559") ? "" : (stryCov_9fa48("559"), 'e_key_usage_incorrect'),
  level: stryMutAct_9fa48("560") ? "" : (stryCov_9fa48("560"), 'error'),
  source: stryMutAct_9fa48("561") ? "" : (stryCov_9fa48("561"), 'RFC8410'),
  citation: stryMutAct_9fa48("562") ? "" : (stryCov_9fa48("562"), 'RFC 8410 §5'),
  description: stryMutAct_9fa48("563") ? "" : (stryCov_9fa48("563"), 'An Ed25519 certificate asserts only digitalSignature, nonRepudiation, keyCertSign and cRLSign.'),
  applies: stryMutAct_9fa48("564") ? () => undefined : (stryCov_9fa48("564"), certificate => stryMutAct_9fa48("567") ? certificate.publicKey.type !== 'ed25519' : stryMutAct_9fa48("566") ? false : stryMutAct_9fa48("565") ? true : (stryCov_9fa48("565", "566", "567"), certificate.publicKey.type === (stryMutAct_9fa48("568") ? "" : (stryCov_9fa48("568"), 'ed25519')))),
  check: stryMutAct_9fa48("569") ? () => undefined : (stryCov_9fa48("569"), certificate => (stryMutAct_9fa48("572") ? (certificate.keyUsageBits & ~ed25519AllowedUsages) !== 0 : stryMutAct_9fa48("571") ? false : stryMutAct_9fa48("570") ? true : (stryCov_9fa48("570", "571", "572"), (certificate.keyUsageBits & (stryMutAct_9fa48("573") ? ed25519AllowedUsages : (stryCov_9fa48("573"), ~ed25519AllowedUsages))) === 0)) ? undefined : stryMutAct_9fa48("574") ? "" : (stryCov_9fa48("574"), 'Ed25519 key with a key usage other than signing'))
})]);