/**
 * Rules on the certificate's fields as encoded: version, serial number, validity and extension list
 * (RFC 5280 §4.1, CA/Browser Forum Baseline Requirements §6.3.2 and §7.1).
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
import type { LintRule, CertificateView, EncodedTime } from '../view.ts';
const DAY_MS = 86_400_000;
/** BR §6.3.2: TLS server certificates issued on or after 2020-09-01 last at most 398 days. */
const MAX_PUBLIC_TLS_DAYS = 398;
/** BR §7.1: at least 64 bits of CSPRNG output, so at least 8 octets of serial. */
const MIN_SERIAL_OCTETS = 8;
/** RFC 5280 §4.1.2.2: conforming CAs MUST NOT use serials longer than 20 octets. */
const MAX_SERIAL_OCTETS = 20;
function times(certificate: CertificateView): readonly (readonly [string, EncodedTime])[] {
  if (stryMutAct_9fa48("84")) {
    {}
  } else {
    stryCov_9fa48("84");
    return stryMutAct_9fa48("85") ? [] : (stryCov_9fa48("85"), [stryMutAct_9fa48("86") ? [] : (stryCov_9fa48("86"), [stryMutAct_9fa48("87") ? "" : (stryCov_9fa48("87"), 'notBefore'), certificate.notBefore]), stryMutAct_9fa48("88") ? [] : (stryCov_9fa48("88"), [stryMutAct_9fa48("89") ? "" : (stryCov_9fa48("89"), 'notAfter'), certificate.notAfter])]);
  }
}

/** The serial's magnitude, without the sign octet DER adds before a high bit. */
function serialMagnitude(serial: Uint8Array): Uint8Array {
  if (stryMutAct_9fa48("90")) {
    {}
  } else {
    stryCov_9fa48("90");
    let start = 0;
    while (stryMutAct_9fa48("92") ? start < serial.length - 1 || serial[start] === 0 : stryMutAct_9fa48("91") ? false : (stryCov_9fa48("91", "92"), (stryMutAct_9fa48("95") ? start >= serial.length - 1 : stryMutAct_9fa48("94") ? start <= serial.length - 1 : stryMutAct_9fa48("93") ? true : (stryCov_9fa48("93", "94", "95"), start < (stryMutAct_9fa48("96") ? serial.length + 1 : (stryCov_9fa48("96"), serial.length - 1)))) && (stryMutAct_9fa48("98") ? serial[start] !== 0 : stryMutAct_9fa48("97") ? true : (stryCov_9fa48("97", "98"), serial[start] === 0)))) stryMutAct_9fa48("99") ? start-- : (stryCov_9fa48("99"), start++);
    return serial.subarray(start);
  }
}

/** The rules on encoding, in table order. */
export const encodingRules: readonly LintRule[] = stryMutAct_9fa48("100") ? [] : (stryCov_9fa48("100"), [stryMutAct_9fa48("101") ? {} : (stryCov_9fa48("101"), {
  name: stryMutAct_9fa48("102") ? "" : (stryCov_9fa48("102"), 'e_cert_extensions_version_not_3'),
  level: stryMutAct_9fa48("103") ? "" : (stryCov_9fa48("103"), 'error'),
  source: stryMutAct_9fa48("104") ? "" : (stryCov_9fa48("104"), 'RFC5280'),
  citation: stryMutAct_9fa48("105") ? "" : (stryCov_9fa48("105"), 'RFC 5280 §4.1.2.1'),
  description: stryMutAct_9fa48("106") ? "" : (stryCov_9fa48("106"), 'A certificate with extensions is version 3.'),
  applies: stryMutAct_9fa48("107") ? () => undefined : (stryCov_9fa48("107"), certificate => stryMutAct_9fa48("111") ? certificate.extensions.length <= 0 : stryMutAct_9fa48("110") ? certificate.extensions.length >= 0 : stryMutAct_9fa48("109") ? false : stryMutAct_9fa48("108") ? true : (stryCov_9fa48("108", "109", "110", "111"), certificate.extensions.length > 0)),
  check: stryMutAct_9fa48("112") ? () => undefined : (stryCov_9fa48("112"), certificate => (stryMutAct_9fa48("115") ? certificate.version !== 3 : stryMutAct_9fa48("114") ? false : stryMutAct_9fa48("113") ? true : (stryCov_9fa48("113", "114", "115"), certificate.version === 3)) ? undefined : stryMutAct_9fa48("116") ? `` : (stryCov_9fa48("116"), `version ${certificate.version} with extensions`))
}), stryMutAct_9fa48("117") ? {} : (stryCov_9fa48("117"), {
  name: stryMutAct_9fa48("118") ? "" : (stryCov_9fa48("118"), 'e_serial_number_not_positive'),
  level: stryMutAct_9fa48("119") ? "" : (stryCov_9fa48("119"), 'error'),
  source: stryMutAct_9fa48("120") ? "" : (stryCov_9fa48("120"), 'RFC5280'),
  citation: stryMutAct_9fa48("121") ? "" : (stryCov_9fa48("121"), 'RFC 5280 §4.1.2.2'),
  description: stryMutAct_9fa48("122") ? "" : (stryCov_9fa48("122"), 'The serial number is a positive integer.'),
  applies: stryMutAct_9fa48("123") ? () => undefined : (stryCov_9fa48("123"), () => stryMutAct_9fa48("124") ? false : (stryCov_9fa48("124"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("125")) {
      {}
    } else {
      stryCov_9fa48("125");
      if (stryMutAct_9fa48("128") ? (Number(certificate.serial[0]) & 0x80) === 0 : stryMutAct_9fa48("127") ? false : stryMutAct_9fa48("126") ? true : (stryCov_9fa48("126", "127", "128"), (Number(certificate.serial[0]) & 0x80) !== 0)) return stryMutAct_9fa48("129") ? "" : (stryCov_9fa48("129"), 'serial number is negative');
      return (stryMutAct_9fa48("130") ? certificate.serial.every(octet => octet !== 0) : (stryCov_9fa48("130"), certificate.serial.some(stryMutAct_9fa48("131") ? () => undefined : (stryCov_9fa48("131"), octet => stryMutAct_9fa48("134") ? octet === 0 : stryMutAct_9fa48("133") ? false : stryMutAct_9fa48("132") ? true : (stryCov_9fa48("132", "133", "134"), octet !== 0))))) ? undefined : stryMutAct_9fa48("135") ? "" : (stryCov_9fa48("135"), 'serial number is zero');
    }
  }
}), stryMutAct_9fa48("136") ? {} : (stryCov_9fa48("136"), {
  name: stryMutAct_9fa48("137") ? "" : (stryCov_9fa48("137"), 'e_serial_number_longer_than_20_octets'),
  level: stryMutAct_9fa48("138") ? "" : (stryCov_9fa48("138"), 'error'),
  source: stryMutAct_9fa48("139") ? "" : (stryCov_9fa48("139"), 'RFC5280'),
  citation: stryMutAct_9fa48("140") ? "" : (stryCov_9fa48("140"), 'RFC 5280 §4.1.2.2'),
  description: stryMutAct_9fa48("141") ? "" : (stryCov_9fa48("141"), 'The serial number is at most 20 octets long.'),
  applies: stryMutAct_9fa48("142") ? () => undefined : (stryCov_9fa48("142"), () => stryMutAct_9fa48("143") ? false : (stryCov_9fa48("143"), true)),
  check: stryMutAct_9fa48("144") ? () => undefined : (stryCov_9fa48("144"), certificate => (stryMutAct_9fa48("148") ? certificate.serial.length <= MAX_SERIAL_OCTETS : stryMutAct_9fa48("147") ? certificate.serial.length >= MAX_SERIAL_OCTETS : stryMutAct_9fa48("146") ? false : stryMutAct_9fa48("145") ? true : (stryCov_9fa48("145", "146", "147", "148"), certificate.serial.length > MAX_SERIAL_OCTETS)) ? stryMutAct_9fa48("149") ? `` : (stryCov_9fa48("149"), `serial number is ${certificate.serial.length} octets`) : undefined)
}), stryMutAct_9fa48("150") ? {} : (stryCov_9fa48("150"), {
  name: stryMutAct_9fa48("151") ? "" : (stryCov_9fa48("151"), 'e_serial_number_low_entropy'),
  level: stryMutAct_9fa48("152") ? "" : (stryCov_9fa48("152"), 'error'),
  source: stryMutAct_9fa48("153") ? "" : (stryCov_9fa48("153"), 'CABF_BR'),
  citation: stryMutAct_9fa48("154") ? "" : (stryCov_9fa48("154"), 'BR §7.1'),
  description: stryMutAct_9fa48("155") ? "" : (stryCov_9fa48("155"), 'The serial number holds at least 64 bits (8 octets) of CSPRNG output.'),
  applies: stryMutAct_9fa48("156") ? () => undefined : (stryCov_9fa48("156"), () => stryMutAct_9fa48("157") ? false : (stryCov_9fa48("157"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("158")) {
      {}
    } else {
      stryCov_9fa48("158");
      const octets = serialMagnitude(certificate.serial).length;
      return (stryMutAct_9fa48("162") ? octets >= MIN_SERIAL_OCTETS : stryMutAct_9fa48("161") ? octets <= MIN_SERIAL_OCTETS : stryMutAct_9fa48("160") ? false : stryMutAct_9fa48("159") ? true : (stryCov_9fa48("159", "160", "161", "162"), octets < MIN_SERIAL_OCTETS)) ? stryMutAct_9fa48("163") ? `` : (stryCov_9fa48("163"), `serial number has ${octets} octets, fewer than ${MIN_SERIAL_OCTETS}`) : undefined;
    }
  }
}), stryMutAct_9fa48("164") ? {} : (stryCov_9fa48("164"), {
  name: stryMutAct_9fa48("165") ? "" : (stryCov_9fa48("165"), 'e_validity_time_not_positive'),
  level: stryMutAct_9fa48("166") ? "" : (stryCov_9fa48("166"), 'error'),
  source: stryMutAct_9fa48("167") ? "" : (stryCov_9fa48("167"), 'RFC5280'),
  citation: stryMutAct_9fa48("168") ? "" : (stryCov_9fa48("168"), 'RFC 5280 §4.1.2.5'),
  description: stryMutAct_9fa48("169") ? "" : (stryCov_9fa48("169"), 'notAfter is not before notBefore.'),
  applies: stryMutAct_9fa48("170") ? () => undefined : (stryCov_9fa48("170"), () => stryMutAct_9fa48("171") ? false : (stryCov_9fa48("171"), true)),
  check: stryMutAct_9fa48("172") ? () => undefined : (stryCov_9fa48("172"), certificate => (stryMutAct_9fa48("176") ? certificate.certificate.notAfter.getTime() >= certificate.certificate.notBefore.getTime() : stryMutAct_9fa48("175") ? certificate.certificate.notAfter.getTime() <= certificate.certificate.notBefore.getTime() : stryMutAct_9fa48("174") ? false : stryMutAct_9fa48("173") ? true : (stryCov_9fa48("173", "174", "175", "176"), certificate.certificate.notAfter.getTime() < certificate.certificate.notBefore.getTime())) ? stryMutAct_9fa48("177") ? "" : (stryCov_9fa48("177"), 'notAfter is before notBefore') : undefined)
}), stryMutAct_9fa48("178") ? {} : (stryCov_9fa48("178"), {
  name: stryMutAct_9fa48("179") ? "" : (stryCov_9fa48("179"), 'e_utc_time_not_in_zulu'),
  level: stryMutAct_9fa48("180") ? "" : (stryCov_9fa48("180"), 'error'),
  source: stryMutAct_9fa48("181") ? "" : (stryCov_9fa48("181"), 'RFC5280'),
  citation: stryMutAct_9fa48("182") ? "" : (stryCov_9fa48("182"), 'RFC 5280 §4.1.2.5.1'),
  description: stryMutAct_9fa48("183") ? "" : (stryCov_9fa48("183"), 'A UTCTime validity date is expressed in Zulu time (ends in Z).'),
  applies: stryMutAct_9fa48("184") ? () => undefined : (stryCov_9fa48("184"), () => stryMutAct_9fa48("185") ? false : (stryCov_9fa48("185"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("186")) {
      {}
    } else {
      stryCov_9fa48("186");
      const wrong = stryMutAct_9fa48("187") ? times(certificate) : (stryCov_9fa48("187"), times(certificate).filter(stryMutAct_9fa48("188") ? () => undefined : (stryCov_9fa48("188"), ([, time]) => stryMutAct_9fa48("191") ? time.type === 'UTCTime' || !time.text.endsWith('Z') : stryMutAct_9fa48("190") ? false : stryMutAct_9fa48("189") ? true : (stryCov_9fa48("189", "190", "191"), (stryMutAct_9fa48("193") ? time.type !== 'UTCTime' : stryMutAct_9fa48("192") ? true : (stryCov_9fa48("192", "193"), time.type === (stryMutAct_9fa48("194") ? "" : (stryCov_9fa48("194"), 'UTCTime')))) && (stryMutAct_9fa48("195") ? time.text.endsWith('Z') : (stryCov_9fa48("195"), !(stryMutAct_9fa48("196") ? time.text.startsWith('Z') : (stryCov_9fa48("196"), time.text.endsWith(stryMutAct_9fa48("197") ? "" : (stryCov_9fa48("197"), 'Z'))))))))));
      return (stryMutAct_9fa48("200") ? wrong.length !== 0 : stryMutAct_9fa48("199") ? false : stryMutAct_9fa48("198") ? true : (stryCov_9fa48("198", "199", "200"), wrong.length === 0)) ? undefined : wrong.map(stryMutAct_9fa48("201") ? () => undefined : (stryCov_9fa48("201"), ([field, time]) => stryMutAct_9fa48("202") ? `` : (stryCov_9fa48("202"), `${field} UTCTime ${time.text} is not in Zulu time`))).join(stryMutAct_9fa48("203") ? "" : (stryCov_9fa48("203"), ', '));
    }
  }
}), stryMutAct_9fa48("204") ? {} : (stryCov_9fa48("204"), {
  name: stryMutAct_9fa48("205") ? "" : (stryCov_9fa48("205"), 'e_wrong_time_format_pre2050'),
  level: stryMutAct_9fa48("206") ? "" : (stryCov_9fa48("206"), 'error'),
  source: stryMutAct_9fa48("207") ? "" : (stryCov_9fa48("207"), 'RFC5280'),
  citation: stryMutAct_9fa48("208") ? "" : (stryCov_9fa48("208"), 'RFC 5280 §4.1.2.5'),
  description: stryMutAct_9fa48("209") ? "" : (stryCov_9fa48("209"), 'Dates through 2049 are UTCTime; GeneralizedTime only from 2050 (UTCTime cannot express 2050 or later).'),
  applies: stryMutAct_9fa48("210") ? () => undefined : (stryCov_9fa48("210"), () => stryMutAct_9fa48("211") ? false : (stryCov_9fa48("211"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("212")) {
      {}
    } else {
      stryCov_9fa48("212");
      const wrong = stryMutAct_9fa48("213") ? times(certificate) : (stryCov_9fa48("213"), times(certificate).filter(stryMutAct_9fa48("214") ? () => undefined : (stryCov_9fa48("214"), ([, time]) => stryMutAct_9fa48("217") ? time.type === 'GeneralizedTime' || Number(time.text.slice(0, 4)) < 2050 : stryMutAct_9fa48("216") ? false : stryMutAct_9fa48("215") ? true : (stryCov_9fa48("215", "216", "217"), (stryMutAct_9fa48("219") ? time.type !== 'GeneralizedTime' : stryMutAct_9fa48("218") ? true : (stryCov_9fa48("218", "219"), time.type === (stryMutAct_9fa48("220") ? "" : (stryCov_9fa48("220"), 'GeneralizedTime')))) && (stryMutAct_9fa48("223") ? Number(time.text.slice(0, 4)) >= 2050 : stryMutAct_9fa48("222") ? Number(time.text.slice(0, 4)) <= 2050 : stryMutAct_9fa48("221") ? true : (stryCov_9fa48("221", "222", "223"), Number(stryMutAct_9fa48("224") ? time.text : (stryCov_9fa48("224"), time.text.slice(0, 4))) < 2050))))));
      return (stryMutAct_9fa48("227") ? wrong.length !== 0 : stryMutAct_9fa48("226") ? false : stryMutAct_9fa48("225") ? true : (stryCov_9fa48("225", "226", "227"), wrong.length === 0)) ? undefined : wrong.map(stryMutAct_9fa48("228") ? () => undefined : (stryCov_9fa48("228"), ([field, time]) => stryMutAct_9fa48("229") ? `` : (stryCov_9fa48("229"), `${field} GeneralizedTime ${time.text} is before 2050`))).join(stryMutAct_9fa48("230") ? "" : (stryCov_9fa48("230"), ', '));
    }
  }
}), stryMutAct_9fa48("231") ? {} : (stryCov_9fa48("231"), {
  name: stryMutAct_9fa48("232") ? "" : (stryCov_9fa48("232"), 'e_tls_server_cert_valid_time_longer_than_398_days'),
  level: stryMutAct_9fa48("233") ? "" : (stryCov_9fa48("233"), 'error'),
  source: stryMutAct_9fa48("234") ? "" : (stryCov_9fa48("234"), 'CABF_BR'),
  citation: stryMutAct_9fa48("235") ? "" : (stryCov_9fa48("235"), 'BR §6.3.2'),
  description: stryMutAct_9fa48("236") ? "" : (stryCov_9fa48("236"), 'A public-style TLS certificate is valid for at most 398 days (notAfter minus notBefore).'),
  applies: stryMutAct_9fa48("237") ? () => undefined : (stryCov_9fa48("237"), (certificate, context) => stryMutAct_9fa48("240") ? context.plan.publicTls || !certificate.isCa : stryMutAct_9fa48("239") ? false : stryMutAct_9fa48("238") ? true : (stryCov_9fa48("238", "239", "240"), context.plan.publicTls && (stryMutAct_9fa48("241") ? certificate.isCa : (stryCov_9fa48("241"), !certificate.isCa)))),
  check: certificate => {
    if (stryMutAct_9fa48("242")) {
      {}
    } else {
      stryCov_9fa48("242");
      const milliseconds = stryMutAct_9fa48("243") ? certificate.certificate.notAfter.getTime() + certificate.certificate.notBefore.getTime() : (stryCov_9fa48("243"), certificate.certificate.notAfter.getTime() - certificate.certificate.notBefore.getTime());
      return (stryMutAct_9fa48("247") ? milliseconds <= MAX_PUBLIC_TLS_DAYS * DAY_MS : stryMutAct_9fa48("246") ? milliseconds >= MAX_PUBLIC_TLS_DAYS * DAY_MS : stryMutAct_9fa48("245") ? false : stryMutAct_9fa48("244") ? true : (stryCov_9fa48("244", "245", "246", "247"), milliseconds > (stryMutAct_9fa48("248") ? MAX_PUBLIC_TLS_DAYS / DAY_MS : (stryCov_9fa48("248"), MAX_PUBLIC_TLS_DAYS * DAY_MS)))) ? stryMutAct_9fa48("249") ? `` : (stryCov_9fa48("249"), `validity is ${(stryMutAct_9fa48("250") ? milliseconds * DAY_MS : (stryCov_9fa48("250"), milliseconds / DAY_MS)).toFixed(2)} days, more than ${MAX_PUBLIC_TLS_DAYS}`) : undefined;
    }
  }
}), stryMutAct_9fa48("251") ? {} : (stryCov_9fa48("251"), {
  name: stryMutAct_9fa48("252") ? "" : (stryCov_9fa48("252"), 'e_sub_cert_valid_time_longer_than_issuer'),
  level: stryMutAct_9fa48("253") ? "" : (stryCov_9fa48("253"), 'error'),
  source: stryMutAct_9fa48("254") ? "" : (stryCov_9fa48("254"), 'RFC5280'),
  citation: stryMutAct_9fa48("255") ? "" : (stryCov_9fa48("255"), 'RFC 5280 §6.1.3'),
  description: stryMutAct_9fa48("256") ? "" : (stryCov_9fa48("256"), 'notAfter is not later than the issuer’s notAfter (a path is valid only while every certificate in it is).'),
  applies: stryMutAct_9fa48("257") ? () => undefined : (stryCov_9fa48("257"), () => stryMutAct_9fa48("258") ? false : (stryCov_9fa48("258"), true)),
  check: stryMutAct_9fa48("259") ? () => undefined : (stryCov_9fa48("259"), (certificate, context) => (stryMutAct_9fa48("263") ? certificate.certificate.notAfter.getTime() <= context.issuer.certificate.notAfter.getTime() : stryMutAct_9fa48("262") ? certificate.certificate.notAfter.getTime() >= context.issuer.certificate.notAfter.getTime() : stryMutAct_9fa48("261") ? false : stryMutAct_9fa48("260") ? true : (stryCov_9fa48("260", "261", "262", "263"), certificate.certificate.notAfter.getTime() > context.issuer.certificate.notAfter.getTime())) ? stryMutAct_9fa48("264") ? `` : (stryCov_9fa48("264"), `notAfter ${certificate.certificate.notAfter.toISOString()} is past the issuer's notAfter ${context.issuer.certificate.notAfter.toISOString()}`) : undefined)
}), stryMutAct_9fa48("265") ? {} : (stryCov_9fa48("265"), {
  name: stryMutAct_9fa48("266") ? "" : (stryCov_9fa48("266"), 'e_ext_duplicate_extension'),
  level: stryMutAct_9fa48("267") ? "" : (stryCov_9fa48("267"), 'error'),
  source: stryMutAct_9fa48("268") ? "" : (stryCov_9fa48("268"), 'RFC5280'),
  citation: stryMutAct_9fa48("269") ? "" : (stryCov_9fa48("269"), 'RFC 5280 §4.2'),
  description: stryMutAct_9fa48("270") ? "" : (stryCov_9fa48("270"), 'No extension appears more than once.'),
  applies: stryMutAct_9fa48("271") ? () => undefined : (stryCov_9fa48("271"), () => stryMutAct_9fa48("272") ? false : (stryCov_9fa48("272"), true)),
  check: certificate => {
    if (stryMutAct_9fa48("273")) {
      {}
    } else {
      stryCov_9fa48("273");
      const seen = new Set<string>();
      const duplicates = new Set<string>();
      for (const extension of certificate.extensions) if (stryMutAct_9fa48("274")) {
        ;
      } else {
        stryCov_9fa48("274");
        (seen.has(extension.type) ? duplicates : seen).add(extension.type);
      }
      return (stryMutAct_9fa48("277") ? duplicates.size !== 0 : stryMutAct_9fa48("276") ? false : stryMutAct_9fa48("275") ? true : (stryCov_9fa48("275", "276", "277"), duplicates.size === 0)) ? undefined : stryMutAct_9fa48("278") ? `` : (stryCov_9fa48("278"), `extensions repeated: ${(stryMutAct_9fa48("279") ? [] : (stryCov_9fa48("279"), [...duplicates])).join(stryMutAct_9fa48("280") ? "" : (stryCov_9fa48("280"), ', '))}`);
    }
  }
}), stryMutAct_9fa48("281") ? {} : (stryCov_9fa48("281"), {
  name: stryMutAct_9fa48("282") ? "" : (stryCov_9fa48("282"), 'e_issuer_field_empty'),
  level: stryMutAct_9fa48("283") ? "" : (stryCov_9fa48("283"), 'error'),
  source: stryMutAct_9fa48("284") ? "" : (stryCov_9fa48("284"), 'RFC5280'),
  citation: stryMutAct_9fa48("285") ? "" : (stryCov_9fa48("285"), 'RFC 5280 §4.1.2.4'),
  description: stryMutAct_9fa48("286") ? "" : (stryCov_9fa48("286"), 'The issuer field is a non-empty distinguished name.'),
  applies: stryMutAct_9fa48("287") ? () => undefined : (stryCov_9fa48("287"), () => stryMutAct_9fa48("288") ? false : (stryCov_9fa48("288"), true)),
  check: stryMutAct_9fa48("289") ? () => undefined : (stryCov_9fa48("289"), certificate => certificate.issuerEmpty ? stryMutAct_9fa48("290") ? "" : (stryCov_9fa48("290"), 'issuer is empty') : undefined)
})]);