/**
 * Rules on the subject and subject alternative names (RFC 5280 §4.1.2.6, §4.2.1.6; BR §7.1.2.7,
 * §7.1.4).
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
import { eku, hasExtendedKeyUsage, type CertificateView, type LintRule } from '../view.ts';

/** RFC 1034 §3.1: a name is at most 253 characters of text; a label 1 to 63. */
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
/** BR §7.1.4.2: letters, digits and hyphens only (LDH); a wildcard only as the whole first label. */
const LDH = stryMutAct_9fa48("578") ? /^[^a-z0-9-]*$/i : stryMutAct_9fa48("577") ? /^[a-z0-9-]$/i : stryMutAct_9fa48("576") ? /^[a-z0-9-]*/i : stryMutAct_9fa48("575") ? /[a-z0-9-]*$/i : (stryCov_9fa48("575", "576", "577", "578"), /^[a-z0-9-]*$/i);
function dnsNames(certificate: CertificateView): readonly string[] {
  if (stryMutAct_9fa48("579")) {
    {}
  } else {
    stryCov_9fa48("579");
    return stryMutAct_9fa48("580") ? (certificate.subjectAltName?.names.items ?? []).map(name => name.value) : (stryCov_9fa48("580"), (stryMutAct_9fa48("581") ? certificate.subjectAltName?.names.items && [] : (stryCov_9fa48("581"), (stryMutAct_9fa48("582") ? certificate.subjectAltName.names.items : (stryCov_9fa48("582"), certificate.subjectAltName?.names.items)) ?? (stryMutAct_9fa48("583") ? ["Stryker was here"] : (stryCov_9fa48("583"), [])))).filter(stryMutAct_9fa48("584") ? () => undefined : (stryCov_9fa48("584"), name => stryMutAct_9fa48("587") ? name.type !== 'dns' : stryMutAct_9fa48("586") ? false : stryMutAct_9fa48("585") ? true : (stryCov_9fa48("585", "586", "587"), name.type === (stryMutAct_9fa48("588") ? "" : (stryCov_9fa48("588"), 'dns'))))).map(stryMutAct_9fa48("589") ? () => undefined : (stryCov_9fa48("589"), name => name.value)));
  }
}

/** The labels of a DNS name, its `*` wildcard label left out. */
function labels(name: string): readonly string[] {
  if (stryMutAct_9fa48("590")) {
    {}
  } else {
    stryCov_9fa48("590");
    return ((stryMutAct_9fa48("591") ? name.endsWith('*.') : (stryCov_9fa48("591"), name.startsWith(stryMutAct_9fa48("592") ? "" : (stryCov_9fa48("592"), '*.')))) ? stryMutAct_9fa48("593") ? name : (stryCov_9fa48("593"), name.slice(2)) : name).split(stryMutAct_9fa48("594") ? "" : (stryCov_9fa48("594"), '.'));
  }
}
function syntaxProblem(name: string): string | undefined {
  if (stryMutAct_9fa48("595")) {
    {}
  } else {
    stryCov_9fa48("595");
    if (stryMutAct_9fa48("599") ? name.length <= MAX_NAME_LENGTH : stryMutAct_9fa48("598") ? name.length >= MAX_NAME_LENGTH : stryMutAct_9fa48("597") ? false : stryMutAct_9fa48("596") ? true : (stryCov_9fa48("596", "597", "598", "599"), name.length > MAX_NAME_LENGTH)) return stryMutAct_9fa48("600") ? `` : (stryCov_9fa48("600"), `is longer than ${MAX_NAME_LENGTH} characters`);
    for (const label of labels(name)) {
      if (stryMutAct_9fa48("601")) {
        {}
      } else {
        stryCov_9fa48("601");
        if (stryMutAct_9fa48("604") ? label.length !== 0 : stryMutAct_9fa48("603") ? false : stryMutAct_9fa48("602") ? true : (stryCov_9fa48("602", "603", "604"), label.length === 0)) return stryMutAct_9fa48("605") ? "" : (stryCov_9fa48("605"), 'has an empty label');
        if (stryMutAct_9fa48("609") ? label.length <= MAX_LABEL_LENGTH : stryMutAct_9fa48("608") ? label.length >= MAX_LABEL_LENGTH : stryMutAct_9fa48("607") ? false : stryMutAct_9fa48("606") ? true : (stryCov_9fa48("606", "607", "608", "609"), label.length > MAX_LABEL_LENGTH)) return stryMutAct_9fa48("610") ? `` : (stryCov_9fa48("610"), `has a label longer than ${MAX_LABEL_LENGTH} characters`);
        if (stryMutAct_9fa48("613") ? label.startsWith('-') && label.endsWith('-') : stryMutAct_9fa48("612") ? false : stryMutAct_9fa48("611") ? true : (stryCov_9fa48("611", "612", "613"), (stryMutAct_9fa48("614") ? label.endsWith('-') : (stryCov_9fa48("614"), label.startsWith(stryMutAct_9fa48("615") ? "" : (stryCov_9fa48("615"), '-')))) || (stryMutAct_9fa48("616") ? label.startsWith('-') : (stryCov_9fa48("616"), label.endsWith(stryMutAct_9fa48("617") ? "" : (stryCov_9fa48("617"), '-')))))) return stryMutAct_9fa48("618") ? `` : (stryCov_9fa48("618"), `has label "${label}" starting or ending with a hyphen`);
      }
    }
    return undefined;
  }
}

/** The rules on names, in table order. */
export const nameRules: readonly LintRule[] = stryMutAct_9fa48("619") ? [] : (stryCov_9fa48("619"), [stryMutAct_9fa48("620") ? {} : (stryCov_9fa48("620"), {
  name: stryMutAct_9fa48("621") ? "" : (stryCov_9fa48("621"), 'e_ext_san_missing'),
  level: stryMutAct_9fa48("622") ? "" : (stryCov_9fa48("622"), 'error'),
  source: stryMutAct_9fa48("623") ? "" : (stryCov_9fa48("623"), 'CABF_BR'),
  citation: stryMutAct_9fa48("624") ? "" : (stryCov_9fa48("624"), 'BR §7.1.2.7.12'),
  description: stryMutAct_9fa48("625") ? "" : (stryCov_9fa48("625"), 'A TLS server or client end-entity certificate has a subjectAltName extension.'),
  applies: stryMutAct_9fa48("626") ? () => undefined : (stryCov_9fa48("626"), certificate => stryMutAct_9fa48("629") ? !certificate.isCa || hasExtendedKeyUsage(certificate, eku.serverAuth) || hasExtendedKeyUsage(certificate, eku.clientAuth) : stryMutAct_9fa48("628") ? false : stryMutAct_9fa48("627") ? true : (stryCov_9fa48("627", "628", "629"), (stryMutAct_9fa48("630") ? certificate.isCa : (stryCov_9fa48("630"), !certificate.isCa)) && (stryMutAct_9fa48("632") ? hasExtendedKeyUsage(certificate, eku.serverAuth) && hasExtendedKeyUsage(certificate, eku.clientAuth) : stryMutAct_9fa48("631") ? true : (stryCov_9fa48("631", "632"), hasExtendedKeyUsage(certificate, eku.serverAuth) || hasExtendedKeyUsage(certificate, eku.clientAuth))))),
  check: stryMutAct_9fa48("633") ? () => undefined : (stryCov_9fa48("633"), certificate => (stryMutAct_9fa48("636") ? certificate.subjectAltName !== undefined : stryMutAct_9fa48("635") ? false : stryMutAct_9fa48("634") ? true : (stryCov_9fa48("634", "635", "636"), certificate.subjectAltName === undefined)) ? stryMutAct_9fa48("637") ? "" : (stryCov_9fa48("637"), 'TLS certificate has no subjectAltName') : undefined)
}), stryMutAct_9fa48("638") ? {} : (stryCov_9fa48("638"), {
  name: stryMutAct_9fa48("639") ? "" : (stryCov_9fa48("639"), 'e_subject_empty_without_san'),
  level: stryMutAct_9fa48("640") ? "" : (stryCov_9fa48("640"), 'error'),
  source: stryMutAct_9fa48("641") ? "" : (stryCov_9fa48("641"), 'RFC5280'),
  citation: stryMutAct_9fa48("642") ? "" : (stryCov_9fa48("642"), 'RFC 5280 §4.1.2.6'),
  description: stryMutAct_9fa48("643") ? "" : (stryCov_9fa48("643"), 'A certificate with an empty subject has a subjectAltName extension.'),
  applies: stryMutAct_9fa48("644") ? () => undefined : (stryCov_9fa48("644"), certificate => certificate.subjectEmpty),
  check: stryMutAct_9fa48("645") ? () => undefined : (stryCov_9fa48("645"), certificate => (stryMutAct_9fa48("648") ? certificate.subjectAltName !== undefined : stryMutAct_9fa48("647") ? false : stryMutAct_9fa48("646") ? true : (stryCov_9fa48("646", "647", "648"), certificate.subjectAltName === undefined)) ? stryMutAct_9fa48("649") ? "" : (stryCov_9fa48("649"), 'subject is empty and there is no subjectAltName') : undefined)
}), stryMutAct_9fa48("650") ? {} : (stryCov_9fa48("650"), {
  name: stryMutAct_9fa48("651") ? "" : (stryCov_9fa48("651"), 'e_ext_san_not_critical_without_subject'),
  level: stryMutAct_9fa48("652") ? "" : (stryCov_9fa48("652"), 'error'),
  source: stryMutAct_9fa48("653") ? "" : (stryCov_9fa48("653"), 'RFC5280'),
  citation: stryMutAct_9fa48("654") ? "" : (stryCov_9fa48("654"), 'RFC 5280 §4.2.1.6'),
  description: stryMutAct_9fa48("655") ? "" : (stryCov_9fa48("655"), 'With an empty subject, the subjectAltName extension is critical.'),
  applies: stryMutAct_9fa48("656") ? () => undefined : (stryCov_9fa48("656"), certificate => certificate.subjectEmpty),
  check: stryMutAct_9fa48("657") ? () => undefined : (stryCov_9fa48("657"), certificate => (stryMutAct_9fa48("660") ? certificate.subjectAltName?.critical !== false : stryMutAct_9fa48("659") ? false : stryMutAct_9fa48("658") ? true : (stryCov_9fa48("658", "659", "660"), (stryMutAct_9fa48("661") ? certificate.subjectAltName.critical : (stryCov_9fa48("661"), certificate.subjectAltName?.critical)) === (stryMutAct_9fa48("662") ? true : (stryCov_9fa48("662"), false)))) ? stryMutAct_9fa48("663") ? "" : (stryCov_9fa48("663"), 'subject is empty and subjectAltName is not critical') : undefined)
}), stryMutAct_9fa48("664") ? {} : (stryCov_9fa48("664"), {
  name: stryMutAct_9fa48("665") ? "" : (stryCov_9fa48("665"), 'e_ext_san_empty_name'),
  level: stryMutAct_9fa48("666") ? "" : (stryCov_9fa48("666"), 'error'),
  source: stryMutAct_9fa48("667") ? "" : (stryCov_9fa48("667"), 'RFC5280'),
  citation: stryMutAct_9fa48("668") ? "" : (stryCov_9fa48("668"), 'RFC 5280 §4.2.1.6'),
  description: stryMutAct_9fa48("669") ? "" : (stryCov_9fa48("669"), 'The subjectAltName extension holds at least one name.'),
  applies: stryMutAct_9fa48("670") ? () => undefined : (stryCov_9fa48("670"), () => stryMutAct_9fa48("671") ? false : (stryCov_9fa48("671"), true)),
  check: stryMutAct_9fa48("672") ? () => undefined : (stryCov_9fa48("672"), certificate => (stryMutAct_9fa48("675") ? certificate.subjectAltName?.names.items.length !== 0 : stryMutAct_9fa48("674") ? false : stryMutAct_9fa48("673") ? true : (stryCov_9fa48("673", "674", "675"), (stryMutAct_9fa48("676") ? certificate.subjectAltName.names.items.length : (stryCov_9fa48("676"), certificate.subjectAltName?.names.items.length)) === 0)) ? stryMutAct_9fa48("677") ? "" : (stryCov_9fa48("677"), 'subjectAltName holds no name') : undefined)
}), stryMutAct_9fa48("678") ? {} : (stryCov_9fa48("678"), {
  name: stryMutAct_9fa48("679") ? "" : (stryCov_9fa48("679"), 'e_ext_san_dns_syntax_incorrect'),
  level: stryMutAct_9fa48("680") ? "" : (stryCov_9fa48("680"), 'error'),
  source: stryMutAct_9fa48("681") ? "" : (stryCov_9fa48("681"), 'RFC5280'),
  citation: stryMutAct_9fa48("682") ? "" : (stryCov_9fa48("682"), 'RFC 5280 §4.2.1.6; RFC 1034 §3.5'),
  description: stryMutAct_9fa48("683") ? "" : (stryCov_9fa48("683"), 'Each dNSName has the preferred name syntax: labels of 1 to 63 characters, not starting or ending with a hyphen, 253 characters at most.'),
  applies: stryMutAct_9fa48("684") ? () => undefined : (stryCov_9fa48("684"), () => stryMutAct_9fa48("685") ? false : (stryCov_9fa48("685"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("686")) {
      {}
    } else {
      stryCov_9fa48("686");
      const wrong = dnsNames(certificate).flatMap(name => {
        if (stryMutAct_9fa48("687")) {
          {}
        } else {
          stryCov_9fa48("687");
          const problem = syntaxProblem(name);
          return (stryMutAct_9fa48("690") ? problem !== undefined : stryMutAct_9fa48("689") ? false : stryMutAct_9fa48("688") ? true : (stryCov_9fa48("688", "689", "690"), problem === undefined)) ? stryMutAct_9fa48("691") ? ["Stryker was here"] : (stryCov_9fa48("691"), []) : stryMutAct_9fa48("692") ? [] : (stryCov_9fa48("692"), [stryMutAct_9fa48("693") ? `` : (stryCov_9fa48("693"), `dNSName "${name}" ${problem}`)]);
        }
      });
      return (stryMutAct_9fa48("696") ? wrong.length !== 0 : stryMutAct_9fa48("695") ? false : stryMutAct_9fa48("694") ? true : (stryCov_9fa48("694", "695", "696"), wrong.length === 0)) ? undefined : wrong.join(stryMutAct_9fa48("697") ? "" : (stryCov_9fa48("697"), ', '));
    }
  }
}), stryMutAct_9fa48("698") ? {} : (stryCov_9fa48("698"), {
  name: stryMutAct_9fa48("699") ? "" : (stryCov_9fa48("699"), 'e_dnsname_bad_character_in_label'),
  level: stryMutAct_9fa48("700") ? "" : (stryCov_9fa48("700"), 'error'),
  source: stryMutAct_9fa48("701") ? "" : (stryCov_9fa48("701"), 'CABF_BR'),
  citation: stryMutAct_9fa48("702") ? "" : (stryCov_9fa48("702"), 'BR §7.1.4.2'),
  description: stryMutAct_9fa48("703") ? "" : (stryCov_9fa48("703"), 'Each dNSName label is letters, digits and hyphens (a leading `*` label aside).'),
  applies: stryMutAct_9fa48("704") ? () => undefined : (stryCov_9fa48("704"), () => stryMutAct_9fa48("705") ? false : (stryCov_9fa48("705"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("706")) {
      {}
    } else {
      stryCov_9fa48("706");
      const wrong = stryMutAct_9fa48("707") ? dnsNames(certificate) : (stryCov_9fa48("707"), dnsNames(certificate).filter(stryMutAct_9fa48("708") ? () => undefined : (stryCov_9fa48("708"), name => stryMutAct_9fa48("709") ? labels(name).every(label => LDH.test(label)) : (stryCov_9fa48("709"), !(stryMutAct_9fa48("710") ? labels(name).some(label => LDH.test(label)) : (stryCov_9fa48("710"), labels(name).every(stryMutAct_9fa48("711") ? () => undefined : (stryCov_9fa48("711"), label => LDH.test(label)))))))));
      return (stryMutAct_9fa48("714") ? wrong.length !== 0 : stryMutAct_9fa48("713") ? false : stryMutAct_9fa48("712") ? true : (stryCov_9fa48("712", "713", "714"), wrong.length === 0)) ? undefined : wrong.map(stryMutAct_9fa48("715") ? () => undefined : (stryCov_9fa48("715"), name => stryMutAct_9fa48("716") ? `` : (stryCov_9fa48("716"), `dNSName "${name}" has a character other than a letter, digit or hyphen`))).join(stryMutAct_9fa48("717") ? "" : (stryCov_9fa48("717"), ', '));
    }
  }
}), stryMutAct_9fa48("718") ? {} : (stryCov_9fa48("718"), {
  name: stryMutAct_9fa48("719") ? "" : (stryCov_9fa48("719"), 'e_subject_common_name_not_from_san'),
  level: stryMutAct_9fa48("720") ? "" : (stryCov_9fa48("720"), 'error'),
  source: stryMutAct_9fa48("721") ? "" : (stryCov_9fa48("721"), 'CABF_BR'),
  citation: stryMutAct_9fa48("722") ? "" : (stryCov_9fa48("722"), 'BR §7.1.4.3'),
  description: stryMutAct_9fa48("723") ? "" : (stryCov_9fa48("723"), 'In a public-style TLS certificate, each subject commonName is one of the subjectAltName DNS names or IP addresses.'),
  applies: stryMutAct_9fa48("724") ? () => undefined : (stryCov_9fa48("724"), (certificate, context) => stryMutAct_9fa48("727") ? context.plan.publicTls || !certificate.isCa : stryMutAct_9fa48("726") ? false : stryMutAct_9fa48("725") ? true : (stryCov_9fa48("725", "726", "727"), context.plan.publicTls && (stryMutAct_9fa48("728") ? certificate.isCa : (stryCov_9fa48("728"), !certificate.isCa)))),
  check: certificate => {
    if (stryMutAct_9fa48("729")) {
      {}
    } else {
      stryCov_9fa48("729");
      const names = new Set(stryMutAct_9fa48("730") ? (certificate.subjectAltName?.names.items ?? []).map(name => name.value.toLowerCase()) : (stryCov_9fa48("730"), (stryMutAct_9fa48("731") ? certificate.subjectAltName?.names.items && [] : (stryCov_9fa48("731"), (stryMutAct_9fa48("732") ? certificate.subjectAltName.names.items : (stryCov_9fa48("732"), certificate.subjectAltName?.names.items)) ?? (stryMutAct_9fa48("733") ? ["Stryker was here"] : (stryCov_9fa48("733"), [])))).filter(stryMutAct_9fa48("734") ? () => undefined : (stryCov_9fa48("734"), name => stryMutAct_9fa48("737") ? name.type === 'dns' && name.type === 'ip' : stryMutAct_9fa48("736") ? false : stryMutAct_9fa48("735") ? true : (stryCov_9fa48("735", "736", "737"), (stryMutAct_9fa48("739") ? name.type !== 'dns' : stryMutAct_9fa48("738") ? false : (stryCov_9fa48("738", "739"), name.type === (stryMutAct_9fa48("740") ? "" : (stryCov_9fa48("740"), 'dns')))) || (stryMutAct_9fa48("742") ? name.type !== 'ip' : stryMutAct_9fa48("741") ? false : (stryCov_9fa48("741", "742"), name.type === (stryMutAct_9fa48("743") ? "" : (stryCov_9fa48("743"), 'ip'))))))).map(stryMutAct_9fa48("744") ? () => undefined : (stryCov_9fa48("744"), name => stryMutAct_9fa48("745") ? name.value.toUpperCase() : (stryCov_9fa48("745"), name.value.toLowerCase())))));
      const wrong = stryMutAct_9fa48("746") ? certificate.certificate.subjectName.getField('CN') : (stryCov_9fa48("746"), certificate.certificate.subjectName.getField(stryMutAct_9fa48("747") ? "" : (stryCov_9fa48("747"), 'CN')).filter(stryMutAct_9fa48("748") ? () => undefined : (stryCov_9fa48("748"), commonName => stryMutAct_9fa48("749") ? names.has(commonName.toLowerCase()) : (stryCov_9fa48("749"), !names.has(stryMutAct_9fa48("750") ? commonName.toUpperCase() : (stryCov_9fa48("750"), commonName.toLowerCase()))))));
      return (stryMutAct_9fa48("753") ? wrong.length !== 0 : stryMutAct_9fa48("752") ? false : stryMutAct_9fa48("751") ? true : (stryCov_9fa48("751", "752", "753"), wrong.length === 0)) ? undefined : wrong.map(stryMutAct_9fa48("754") ? () => undefined : (stryCov_9fa48("754"), commonName => stryMutAct_9fa48("755") ? `` : (stryCov_9fa48("755"), `commonName "${commonName}" is not in subjectAltName`))).join(stryMutAct_9fa48("756") ? "" : (stryCov_9fa48("756"), ', '));
    }
  }
}), stryMutAct_9fa48("757") ? {} : (stryCov_9fa48("757"), {
  name: stryMutAct_9fa48("758") ? "" : (stryCov_9fa48("758"), 'e_ca_subject_field_empty'),
  level: stryMutAct_9fa48("759") ? "" : (stryCov_9fa48("759"), 'error'),
  source: stryMutAct_9fa48("760") ? "" : (stryCov_9fa48("760"), 'RFC5280'),
  citation: stryMutAct_9fa48("761") ? "" : (stryCov_9fa48("761"), 'RFC 5280 §4.1.2.6'),
  description: stryMutAct_9fa48("762") ? "" : (stryCov_9fa48("762"), 'A CA certificate has a non-empty subject.'),
  applies: stryMutAct_9fa48("763") ? () => undefined : (stryCov_9fa48("763"), certificate => certificate.isCa),
  check: stryMutAct_9fa48("764") ? () => undefined : (stryCov_9fa48("764"), certificate => certificate.subjectEmpty ? stryMutAct_9fa48("765") ? "" : (stryCov_9fa48("765"), 'CA certificate subject is empty') : undefined)
})]);