/**
 * Rules on the extensions that make a certificate a CA, a subscriber, a time-stamping authority or
 * an OCSP responder (RFC 5280 §4.2.1; BR §7.1.2; RFC 3161 §2.3; RFC 6960 §4.2.2.2).
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
import { eku, hasExtendedKeyUsage, hasKeyUsage, isSelfSigned, type CertificateView, type LintRule } from '../view.ts';

/** Extension OIDs the rules look for by presence. */
const oid = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  ocspNoCheck: '1.3.6.1.5.5.7.48.1.5'
} as const;
function extension(certificate: CertificateView, type: string): x509.Extension | undefined {
  if (stryMutAct_9fa48("291")) {
    {}
  } else {
    stryCov_9fa48("291");
    return certificate.extensions.find(stryMutAct_9fa48("292") ? () => undefined : (stryCov_9fa48("292"), candidate => stryMutAct_9fa48("295") ? candidate.type !== type : stryMutAct_9fa48("294") ? false : stryMutAct_9fa48("293") ? true : (stryCov_9fa48("293", "294", "295"), candidate.type === type)));
  }
}

/** The certificate has an extension of this type that is not marked critical. */
function notCritical(certificate: CertificateView, type: string): boolean {
  if (stryMutAct_9fa48("296")) {
    {}
  } else {
    stryCov_9fa48("296");
    return stryMutAct_9fa48("297") ? certificate.extensions.every(candidate => candidate.type === type && !candidate.critical) : (stryCov_9fa48("297"), certificate.extensions.some(stryMutAct_9fa48("298") ? () => undefined : (stryCov_9fa48("298"), candidate => stryMutAct_9fa48("301") ? candidate.type === type || !candidate.critical : stryMutAct_9fa48("300") ? false : stryMutAct_9fa48("299") ? true : (stryCov_9fa48("299", "300", "301"), (stryMutAct_9fa48("303") ? candidate.type !== type : stryMutAct_9fa48("302") ? true : (stryCov_9fa48("302", "303"), candidate.type === type)) && (stryMutAct_9fa48("304") ? candidate.critical : (stryCov_9fa48("304"), !candidate.critical))))));
  }
}

/** The rules on extensions, in table order. */
export const extensionRules: readonly LintRule[] = stryMutAct_9fa48("305") ? [] : (stryCov_9fa48("305"), [stryMutAct_9fa48("306") ? {} : (stryCov_9fa48("306"), {
  name: stryMutAct_9fa48("307") ? "" : (stryCov_9fa48("307"), 'e_ext_authority_key_identifier_missing'),
  level: stryMutAct_9fa48("308") ? "" : (stryCov_9fa48("308"), 'error'),
  source: stryMutAct_9fa48("309") ? "" : (stryCov_9fa48("309"), 'RFC5280'),
  citation: stryMutAct_9fa48("310") ? "" : (stryCov_9fa48("310"), 'RFC 5280 §4.2.1.1'),
  description: stryMutAct_9fa48("311") ? "" : (stryCov_9fa48("311"), 'Every certificate but a self-signed root has an authorityKeyIdentifier.'),
  applies: stryMutAct_9fa48("312") ? () => undefined : (stryCov_9fa48("312"), (certificate, context) => stryMutAct_9fa48("313") ? isSelfSigned(certificate, context) : (stryCov_9fa48("313"), !isSelfSigned(certificate, context))),
  check: stryMutAct_9fa48("314") ? () => undefined : (stryCov_9fa48("314"), certificate => (stryMutAct_9fa48("317") ? extension(certificate, oid.authorityKeyIdentifier) !== undefined : stryMutAct_9fa48("316") ? false : stryMutAct_9fa48("315") ? true : (stryCov_9fa48("315", "316", "317"), extension(certificate, oid.authorityKeyIdentifier) === undefined)) ? stryMutAct_9fa48("318") ? "" : (stryCov_9fa48("318"), 'authorityKeyIdentifier is missing') : undefined)
}), stryMutAct_9fa48("319") ? {} : (stryCov_9fa48("319"), {
  name: stryMutAct_9fa48("320") ? "" : (stryCov_9fa48("320"), 'e_ext_subject_key_identifier_missing_ca'),
  level: stryMutAct_9fa48("321") ? "" : (stryCov_9fa48("321"), 'error'),
  source: stryMutAct_9fa48("322") ? "" : (stryCov_9fa48("322"), 'RFC5280'),
  citation: stryMutAct_9fa48("323") ? "" : (stryCov_9fa48("323"), 'RFC 5280 §4.2.1.2'),
  description: stryMutAct_9fa48("324") ? "" : (stryCov_9fa48("324"), 'A CA certificate has a subjectKeyIdentifier.'),
  applies: stryMutAct_9fa48("325") ? () => undefined : (stryCov_9fa48("325"), certificate => certificate.isCa),
  check: stryMutAct_9fa48("326") ? () => undefined : (stryCov_9fa48("326"), certificate => (stryMutAct_9fa48("329") ? extension(certificate, oid.subjectKeyIdentifier) !== undefined : stryMutAct_9fa48("328") ? false : stryMutAct_9fa48("327") ? true : (stryCov_9fa48("327", "328", "329"), extension(certificate, oid.subjectKeyIdentifier) === undefined)) ? stryMutAct_9fa48("330") ? "" : (stryCov_9fa48("330"), 'CA certificate has no subjectKeyIdentifier') : undefined)
}), stryMutAct_9fa48("331") ? {} : (stryCov_9fa48("331"), {
  name: stryMutAct_9fa48("332") ? "" : (stryCov_9fa48("332"), 'w_ext_subject_key_identifier_missing_sub_cert'),
  level: stryMutAct_9fa48("333") ? "" : (stryCov_9fa48("333"), 'warn'),
  source: stryMutAct_9fa48("334") ? "" : (stryCov_9fa48("334"), 'RFC5280'),
  citation: stryMutAct_9fa48("335") ? "" : (stryCov_9fa48("335"), 'RFC 5280 §4.2.1.2'),
  description: stryMutAct_9fa48("336") ? "" : (stryCov_9fa48("336"), 'An end-entity certificate should have a subjectKeyIdentifier.'),
  applies: stryMutAct_9fa48("337") ? () => undefined : (stryCov_9fa48("337"), certificate => stryMutAct_9fa48("338") ? certificate.isCa : (stryCov_9fa48("338"), !certificate.isCa)),
  check: stryMutAct_9fa48("339") ? () => undefined : (stryCov_9fa48("339"), certificate => (stryMutAct_9fa48("342") ? extension(certificate, oid.subjectKeyIdentifier) !== undefined : stryMutAct_9fa48("341") ? false : stryMutAct_9fa48("340") ? true : (stryCov_9fa48("340", "341", "342"), extension(certificate, oid.subjectKeyIdentifier) === undefined)) ? stryMutAct_9fa48("343") ? "" : (stryCov_9fa48("343"), 'end-entity certificate has no subjectKeyIdentifier') : undefined)
}), stryMutAct_9fa48("344") ? {} : (stryCov_9fa48("344"), {
  name: stryMutAct_9fa48("345") ? "" : (stryCov_9fa48("345"), 'e_basic_constraints_not_critical'),
  level: stryMutAct_9fa48("346") ? "" : (stryCov_9fa48("346"), 'error'),
  source: stryMutAct_9fa48("347") ? "" : (stryCov_9fa48("347"), 'RFC5280'),
  citation: stryMutAct_9fa48("348") ? "" : (stryCov_9fa48("348"), 'RFC 5280 §4.2.1.9'),
  description: stryMutAct_9fa48("349") ? "" : (stryCov_9fa48("349"), 'In a CA certificate, basicConstraints is critical.'),
  applies: stryMutAct_9fa48("350") ? () => undefined : (stryCov_9fa48("350"), certificate => certificate.isCa),
  check: stryMutAct_9fa48("351") ? () => undefined : (stryCov_9fa48("351"), certificate => notCritical(certificate, oid.basicConstraints) ? stryMutAct_9fa48("352") ? "" : (stryCov_9fa48("352"), 'basicConstraints is not critical') : undefined)
}), stryMutAct_9fa48("353") ? {} : (stryCov_9fa48("353"), {
  name: stryMutAct_9fa48("354") ? "" : (stryCov_9fa48("354"), 'e_ca_key_usage_missing'),
  level: stryMutAct_9fa48("355") ? "" : (stryCov_9fa48("355"), 'error'),
  source: stryMutAct_9fa48("356") ? "" : (stryCov_9fa48("356"), 'RFC5280'),
  citation: stryMutAct_9fa48("357") ? "" : (stryCov_9fa48("357"), 'RFC 5280 §4.2.1.3'),
  description: stryMutAct_9fa48("358") ? "" : (stryCov_9fa48("358"), 'A CA certificate has a keyUsage extension.'),
  applies: stryMutAct_9fa48("359") ? () => undefined : (stryCov_9fa48("359"), certificate => certificate.isCa),
  check: stryMutAct_9fa48("360") ? () => undefined : (stryCov_9fa48("360"), certificate => (stryMutAct_9fa48("363") ? certificate.keyUsage !== undefined : stryMutAct_9fa48("362") ? false : stryMutAct_9fa48("361") ? true : (stryCov_9fa48("361", "362", "363"), certificate.keyUsage === undefined)) ? stryMutAct_9fa48("364") ? "" : (stryCov_9fa48("364"), 'CA certificate has no keyUsage') : undefined)
}), stryMutAct_9fa48("365") ? {} : (stryCov_9fa48("365"), {
  name: stryMutAct_9fa48("366") ? "" : (stryCov_9fa48("366"), 'e_ca_key_cert_sign_not_set'),
  level: stryMutAct_9fa48("367") ? "" : (stryCov_9fa48("367"), 'error'),
  source: stryMutAct_9fa48("368") ? "" : (stryCov_9fa48("368"), 'CABF_BR'),
  citation: stryMutAct_9fa48("369") ? "" : (stryCov_9fa48("369"), 'BR §7.1.2.10.7'),
  description: stryMutAct_9fa48("370") ? "" : (stryCov_9fa48("370"), 'A CA certificate’s keyUsage asserts keyCertSign.'),
  applies: stryMutAct_9fa48("371") ? () => undefined : (stryCov_9fa48("371"), certificate => stryMutAct_9fa48("374") ? certificate.isCa || certificate.keyUsage !== undefined : stryMutAct_9fa48("373") ? false : stryMutAct_9fa48("372") ? true : (stryCov_9fa48("372", "373", "374"), certificate.isCa && (stryMutAct_9fa48("376") ? certificate.keyUsage === undefined : stryMutAct_9fa48("375") ? true : (stryCov_9fa48("375", "376"), certificate.keyUsage !== undefined)))),
  check: stryMutAct_9fa48("377") ? () => undefined : (stryCov_9fa48("377"), certificate => hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign) ? undefined : stryMutAct_9fa48("378") ? "" : (stryCov_9fa48("378"), 'CA certificate keyUsage lacks keyCertSign'))
}), stryMutAct_9fa48("379") ? {} : (stryCov_9fa48("379"), {
  name: stryMutAct_9fa48("380") ? "" : (stryCov_9fa48("380"), 'e_ca_key_usage_not_critical'),
  level: stryMutAct_9fa48("381") ? "" : (stryCov_9fa48("381"), 'error'),
  source: stryMutAct_9fa48("382") ? "" : (stryCov_9fa48("382"), 'CABF_BR'),
  citation: stryMutAct_9fa48("383") ? "" : (stryCov_9fa48("383"), 'BR §7.1.2.10.7'),
  description: stryMutAct_9fa48("384") ? "" : (stryCov_9fa48("384"), 'A CA certificate’s keyUsage is critical.'),
  applies: stryMutAct_9fa48("385") ? () => undefined : (stryCov_9fa48("385"), certificate => certificate.isCa),
  check: stryMutAct_9fa48("386") ? () => undefined : (stryCov_9fa48("386"), certificate => notCritical(certificate, oid.keyUsage) ? stryMutAct_9fa48("387") ? "" : (stryCov_9fa48("387"), 'CA certificate keyUsage is not critical') : undefined)
}), stryMutAct_9fa48("388") ? {} : (stryCov_9fa48("388"), {
  name: stryMutAct_9fa48("389") ? "" : (stryCov_9fa48("389"), 'e_sub_cert_key_usage_cert_sign_bit_set'),
  level: stryMutAct_9fa48("390") ? "" : (stryCov_9fa48("390"), 'error'),
  source: stryMutAct_9fa48("391") ? "" : (stryCov_9fa48("391"), 'CABF_BR'),
  citation: stryMutAct_9fa48("392") ? "" : (stryCov_9fa48("392"), 'BR §7.1.2.7.11'),
  description: stryMutAct_9fa48("393") ? "" : (stryCov_9fa48("393"), 'A subscriber (non-CA) certificate does not assert keyCertSign.'),
  applies: stryMutAct_9fa48("394") ? () => undefined : (stryCov_9fa48("394"), certificate => stryMutAct_9fa48("395") ? certificate.isCa : (stryCov_9fa48("395"), !certificate.isCa)),
  check: stryMutAct_9fa48("396") ? () => undefined : (stryCov_9fa48("396"), certificate => hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign) ? stryMutAct_9fa48("397") ? "" : (stryCov_9fa48("397"), 'subscriber certificate asserts keyCertSign') : undefined)
}), stryMutAct_9fa48("398") ? {} : (stryCov_9fa48("398"), {
  name: stryMutAct_9fa48("399") ? "" : (stryCov_9fa48("399"), 'e_ext_key_usage_cert_sign_without_ca'),
  level: stryMutAct_9fa48("400") ? "" : (stryCov_9fa48("400"), 'error'),
  source: stryMutAct_9fa48("401") ? "" : (stryCov_9fa48("401"), 'RFC5280'),
  citation: stryMutAct_9fa48("402") ? "" : (stryCov_9fa48("402"), 'RFC 5280 §4.2.1.3'),
  description: stryMutAct_9fa48("403") ? "" : (stryCov_9fa48("403"), 'keyCertSign is asserted only with basicConstraints cA TRUE.'),
  applies: stryMutAct_9fa48("404") ? () => undefined : (stryCov_9fa48("404"), certificate => hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign)),
  check: stryMutAct_9fa48("405") ? () => undefined : (stryCov_9fa48("405"), certificate => certificate.isCa ? undefined : stryMutAct_9fa48("406") ? "" : (stryCov_9fa48("406"), 'keyCertSign without basicConstraints cA'))
}), stryMutAct_9fa48("407") ? {} : (stryCov_9fa48("407"), {
  name: stryMutAct_9fa48("408") ? "" : (stryCov_9fa48("408"), 'e_path_len_constraint_improperly_included'),
  level: stryMutAct_9fa48("409") ? "" : (stryCov_9fa48("409"), 'error'),
  source: stryMutAct_9fa48("410") ? "" : (stryCov_9fa48("410"), 'RFC5280'),
  citation: stryMutAct_9fa48("411") ? "" : (stryCov_9fa48("411"), 'RFC 5280 §4.2.1.9'),
  description: stryMutAct_9fa48("412") ? "" : (stryCov_9fa48("412"), 'pathLenConstraint appears only with cA TRUE and keyCertSign asserted.'),
  applies: stryMutAct_9fa48("413") ? () => undefined : (stryCov_9fa48("413"), certificate => stryMutAct_9fa48("416") ? certificate.basicConstraints?.pathLength === undefined : stryMutAct_9fa48("415") ? false : stryMutAct_9fa48("414") ? true : (stryCov_9fa48("414", "415", "416"), (stryMutAct_9fa48("417") ? certificate.basicConstraints.pathLength : (stryCov_9fa48("417"), certificate.basicConstraints?.pathLength)) !== undefined)),
  check: certificate => {
    if (stryMutAct_9fa48("418")) {
      {}
    } else {
      stryCov_9fa48("418");
      if (stryMutAct_9fa48("421") ? false : stryMutAct_9fa48("420") ? true : stryMutAct_9fa48("419") ? certificate.isCa : (stryCov_9fa48("419", "420", "421"), !certificate.isCa)) return stryMutAct_9fa48("422") ? "" : (stryCov_9fa48("422"), 'pathLenConstraint without cA');
      return hasKeyUsage(certificate, x509.KeyUsageFlags.keyCertSign) ? undefined : stryMutAct_9fa48("423") ? "" : (stryCov_9fa48("423"), 'pathLenConstraint without keyCertSign');
    }
  }
}), stryMutAct_9fa48("424") ? {} : (stryCov_9fa48("424"), {
  name: stryMutAct_9fa48("425") ? "" : (stryCov_9fa48("425"), 'e_ext_name_constraints_not_critical'),
  level: stryMutAct_9fa48("426") ? "" : (stryCov_9fa48("426"), 'error'),
  source: stryMutAct_9fa48("427") ? "" : (stryCov_9fa48("427"), 'RFC5280'),
  citation: stryMutAct_9fa48("428") ? "" : (stryCov_9fa48("428"), 'RFC 5280 §4.2.1.10'),
  description: stryMutAct_9fa48("429") ? "" : (stryCov_9fa48("429"), 'nameConstraints is critical (RFC 5280’s MUST; the BR’s later allowance of non-critical is not taken).'),
  applies: stryMutAct_9fa48("430") ? () => undefined : (stryCov_9fa48("430"), () => stryMutAct_9fa48("431") ? false : (stryCov_9fa48("431"), true)),
  check: stryMutAct_9fa48("432") ? () => undefined : (stryCov_9fa48("432"), certificate => notCritical(certificate, oid.nameConstraints) ? stryMutAct_9fa48("433") ? "" : (stryCov_9fa48("433"), 'nameConstraints is not critical') : undefined)
}), stryMutAct_9fa48("434") ? {} : (stryCov_9fa48("434"), {
  name: stryMutAct_9fa48("435") ? "" : (stryCov_9fa48("435"), 'e_ext_key_usage_without_bits'),
  level: stryMutAct_9fa48("436") ? "" : (stryCov_9fa48("436"), 'error'),
  source: stryMutAct_9fa48("437") ? "" : (stryCov_9fa48("437"), 'RFC5280'),
  citation: stryMutAct_9fa48("438") ? "" : (stryCov_9fa48("438"), 'RFC 5280 §4.2.1.3'),
  description: stryMutAct_9fa48("439") ? "" : (stryCov_9fa48("439"), 'A keyUsage extension asserts at least one bit.'),
  applies: stryMutAct_9fa48("440") ? () => undefined : (stryCov_9fa48("440"), certificate => stryMutAct_9fa48("443") ? certificate.keyUsage === undefined : stryMutAct_9fa48("442") ? false : stryMutAct_9fa48("441") ? true : (stryCov_9fa48("441", "442", "443"), certificate.keyUsage !== undefined)),
  check: stryMutAct_9fa48("444") ? () => undefined : (stryCov_9fa48("444"), certificate => (stryMutAct_9fa48("447") ? certificate.keyUsageBits !== 0 : stryMutAct_9fa48("446") ? false : stryMutAct_9fa48("445") ? true : (stryCov_9fa48("445", "446", "447"), certificate.keyUsageBits === 0)) ? stryMutAct_9fa48("448") ? "" : (stryCov_9fa48("448"), 'keyUsage asserts no bit') : undefined)
}), stryMutAct_9fa48("449") ? {} : (stryCov_9fa48("449"), {
  name: stryMutAct_9fa48("450") ? "" : (stryCov_9fa48("450"), 'e_sub_cert_eku_missing'),
  level: stryMutAct_9fa48("451") ? "" : (stryCov_9fa48("451"), 'error'),
  source: stryMutAct_9fa48("452") ? "" : (stryCov_9fa48("452"), 'CABF_BR'),
  citation: stryMutAct_9fa48("453") ? "" : (stryCov_9fa48("453"), 'BR §7.1.2.7.10'),
  description: stryMutAct_9fa48("454") ? "" : (stryCov_9fa48("454"), 'A public-style TLS end-entity certificate has an extKeyUsage extension.'),
  applies: stryMutAct_9fa48("455") ? () => undefined : (stryCov_9fa48("455"), (certificate, context) => stryMutAct_9fa48("458") ? context.plan.publicTls || !certificate.isCa : stryMutAct_9fa48("457") ? false : stryMutAct_9fa48("456") ? true : (stryCov_9fa48("456", "457", "458"), context.plan.publicTls && (stryMutAct_9fa48("459") ? certificate.isCa : (stryCov_9fa48("459"), !certificate.isCa)))),
  check: stryMutAct_9fa48("460") ? () => undefined : (stryCov_9fa48("460"), certificate => (stryMutAct_9fa48("463") ? certificate.extendedKeyUsage !== undefined : stryMutAct_9fa48("462") ? false : stryMutAct_9fa48("461") ? true : (stryCov_9fa48("461", "462", "463"), certificate.extendedKeyUsage === undefined)) ? stryMutAct_9fa48("464") ? "" : (stryCov_9fa48("464"), 'TLS certificate has no extKeyUsage') : undefined)
}), stryMutAct_9fa48("465") ? {} : (stryCov_9fa48("465"), {
  name: stryMutAct_9fa48("466") ? "" : (stryCov_9fa48("466"), 'e_tsa_eku_not_critical_or_extra'),
  level: stryMutAct_9fa48("467") ? "" : (stryCov_9fa48("467"), 'error'),
  source: stryMutAct_9fa48("468") ? "" : (stryCov_9fa48("468"), 'RFC3161'),
  citation: stryMutAct_9fa48("469") ? "" : (stryCov_9fa48("469"), 'RFC 3161 §2.3'),
  description: stryMutAct_9fa48("470") ? "" : (stryCov_9fa48("470"), 'A time-stamping certificate’s extKeyUsage is critical and holds timeStamping alone.'),
  applies: stryMutAct_9fa48("471") ? () => undefined : (stryCov_9fa48("471"), () => stryMutAct_9fa48("472") ? false : (stryCov_9fa48("472"), true)),
  check: ({
    extendedKeyUsage: usage
  }) => {
    if (stryMutAct_9fa48("473")) {
      {}
    } else {
      stryCov_9fa48("473");
      if (stryMutAct_9fa48("476") ? usage === undefined && !usage.usages.includes(eku.timeStamping) : stryMutAct_9fa48("475") ? false : stryMutAct_9fa48("474") ? true : (stryCov_9fa48("474", "475", "476"), (stryMutAct_9fa48("478") ? usage !== undefined : stryMutAct_9fa48("477") ? false : (stryCov_9fa48("477", "478"), usage === undefined)) || (stryMutAct_9fa48("479") ? usage.usages.includes(eku.timeStamping) : (stryCov_9fa48("479"), !usage.usages.includes(eku.timeStamping))))) return undefined;
      if (stryMutAct_9fa48("482") ? false : stryMutAct_9fa48("481") ? true : stryMutAct_9fa48("480") ? usage.critical : (stryCov_9fa48("480", "481", "482"), !usage.critical)) return stryMutAct_9fa48("483") ? "" : (stryCov_9fa48("483"), 'timeStamping extKeyUsage is not critical');
      return (stryMutAct_9fa48("486") ? usage.usages.length !== 1 : stryMutAct_9fa48("485") ? false : stryMutAct_9fa48("484") ? true : (stryCov_9fa48("484", "485", "486"), usage.usages.length === 1)) ? undefined : stryMutAct_9fa48("487") ? `` : (stryCov_9fa48("487"), `extKeyUsage holds ${usage.usages.length} purposes, not timeStamping alone`);
    }
  }
}), stryMutAct_9fa48("488") ? {} : (stryCov_9fa48("488"), {
  name: stryMutAct_9fa48("489") ? "" : (stryCov_9fa48("489"), 'e_ocsp_responder_missing_nocheck'),
  level: stryMutAct_9fa48("490") ? "" : (stryCov_9fa48("490"), 'error'),
  source: stryMutAct_9fa48("491") ? "" : (stryCov_9fa48("491"), 'RFC6960'),
  citation: stryMutAct_9fa48("492") ? "" : (stryCov_9fa48("492"), 'RFC 6960 §4.2.2.2.1'),
  description: stryMutAct_9fa48("493") ? "" : (stryCov_9fa48("493"), 'A delegated OCSP responder certificate (OCSPSigning) carries id-pkix-ocsp-nocheck.'),
  applies: stryMutAct_9fa48("494") ? () => undefined : (stryCov_9fa48("494"), certificate => stryMutAct_9fa48("497") ? !certificate.isCa || hasExtendedKeyUsage(certificate, eku.ocspSigning) : stryMutAct_9fa48("496") ? false : stryMutAct_9fa48("495") ? true : (stryCov_9fa48("495", "496", "497"), (stryMutAct_9fa48("498") ? certificate.isCa : (stryCov_9fa48("498"), !certificate.isCa)) && hasExtendedKeyUsage(certificate, eku.ocspSigning))),
  check: stryMutAct_9fa48("499") ? () => undefined : (stryCov_9fa48("499"), certificate => (stryMutAct_9fa48("502") ? extension(certificate, oid.ocspNoCheck) !== undefined : stryMutAct_9fa48("501") ? false : stryMutAct_9fa48("500") ? true : (stryCov_9fa48("500", "501", "502"), extension(certificate, oid.ocspNoCheck) === undefined)) ? stryMutAct_9fa48("503") ? "" : (stryCov_9fa48("503"), 'OCSP responder certificate has no id-pkix-ocsp-nocheck') : undefined)
})]);