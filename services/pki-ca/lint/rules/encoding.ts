/**
 * Rules on the certificate's fields as encoded: version, serial number, validity and extension list
 * (RFC 5280 §4.1, CA/Browser Forum Baseline Requirements §6.3.2 and §7.1).
 */
import type { LintRule, CertificateView, EncodedTime } from '../view.ts';

const DAY_MS = 86_400_000;
/** BR §6.3.2: TLS server certificates issued on or after 2020-09-01 last at most 398 days. */
const MAX_PUBLIC_TLS_DAYS = 398;
/** BR §7.1: at least 64 bits of CSPRNG output, so at least 8 octets of serial. */
const MIN_SERIAL_OCTETS = 8;
/** RFC 5280 §4.1.2.2: conforming CAs MUST NOT use serials longer than 20 octets. */
const MAX_SERIAL_OCTETS = 20;

function times(certificate: CertificateView): readonly (readonly [string, EncodedTime])[] {
  return [['notBefore', certificate.notBefore], ['notAfter', certificate.notAfter]];
}

/** The serial's magnitude, without the sign octet DER adds before a high bit. */
function serialMagnitude(serial: Uint8Array): Uint8Array {
  let start = 0;
  while (start < serial.length - 1 && serial[start] === 0) start++;
  return serial.subarray(start);
}

/** The rules on encoding, in table order. */
export const encodingRules: readonly LintRule[] = [
  {
    name: 'e_cert_extensions_version_not_3',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.1',
    description: 'A certificate with extensions is version 3.',
    applies: (certificate) => certificate.extensions.length > 0,
    check: (certificate) => (certificate.version === 3 ? undefined : `version ${certificate.version} with extensions`),
  },
  {
    name: 'e_serial_number_not_positive',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.2',
    description: 'The serial number is a positive integer.',
    applies: () => true,
    check: (certificate) => {
      if ((Number(certificate.serial[0]) & 0x80) !== 0) return 'serial number is negative';
      return certificate.serial.some((octet) => octet !== 0) ? undefined : 'serial number is zero';
    },
  },
  {
    name: 'e_serial_number_longer_than_20_octets',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.2',
    description: 'The serial number is at most 20 octets long.',
    applies: () => true,
    check: (certificate) => (certificate.serial.length > MAX_SERIAL_OCTETS ? `serial number is ${certificate.serial.length} octets` : undefined),
  },
  {
    name: 'e_serial_number_low_entropy',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §7.1',
    description: 'The serial number holds at least 64 bits (8 octets) of CSPRNG output.',
    applies: () => true,
    check: (certificate) => {
      const octets = serialMagnitude(certificate.serial).length;
      return octets < MIN_SERIAL_OCTETS ? `serial number has ${octets} octets, fewer than ${MIN_SERIAL_OCTETS}` : undefined;
    },
  },
  {
    name: 'e_validity_time_not_positive',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.5',
    description: 'notAfter is not before notBefore.',
    applies: () => true,
    check: (certificate) => (certificate.certificate.notAfter.getTime() < certificate.certificate.notBefore.getTime() ? 'notAfter is before notBefore' : undefined),
  },
  {
    name: 'e_utc_time_not_in_zulu',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.5.1',
    description: 'A UTCTime validity date is expressed in Zulu time (ends in Z).',
    applies: () => true,
    check: (certificate) => {
      const wrong = times(certificate).filter(([, time]) => time.type === 'UTCTime' && !time.text.endsWith('Z'));
      return wrong.length === 0 ? undefined : wrong.map(([field, time]) => `${field} UTCTime ${time.text} is not in Zulu time`).join(', ');
    },
  },
  {
    name: 'e_wrong_time_format_pre2050',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.5',
    description: 'Dates through 2049 are UTCTime; GeneralizedTime only from 2050 (UTCTime cannot express 2050 or later).',
    applies: () => true,
    check: (certificate) => {
      const wrong = times(certificate).filter(([, time]) => time.type === 'GeneralizedTime' && Number(time.text.slice(0, 4)) < 2050);
      return wrong.length === 0 ? undefined : wrong.map(([field, time]) => `${field} GeneralizedTime ${time.text} is before 2050`).join(', ');
    },
  },
  {
    name: 'e_tls_server_cert_valid_time_longer_than_398_days',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §6.3.2',
    description: 'A public-style TLS certificate is valid for at most 398 days (notAfter minus notBefore).',
    applies: (certificate, context) => context.plan.publicTls && !certificate.isCa,
    check: (certificate) => {
      const milliseconds = certificate.certificate.notAfter.getTime() - certificate.certificate.notBefore.getTime();
      return milliseconds > MAX_PUBLIC_TLS_DAYS * DAY_MS ? `validity is ${(milliseconds / DAY_MS).toFixed(2)} days, more than ${MAX_PUBLIC_TLS_DAYS}` : undefined;
    },
  },
  {
    name: 'e_sub_cert_valid_time_longer_than_issuer',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §6.1.3',
    description: 'notAfter is not later than the issuer’s notAfter (a path is valid only while every certificate in it is).',
    applies: () => true,
    check: (certificate, context) => (certificate.certificate.notAfter.getTime() > context.issuer.certificate.notAfter.getTime() ? `notAfter ${certificate.certificate.notAfter.toISOString()} is past the issuer's notAfter ${context.issuer.certificate.notAfter.toISOString()}` : undefined),
  },
  {
    name: 'e_ext_duplicate_extension',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.2',
    description: 'No extension appears more than once.',
    applies: () => true,
    check: (certificate) => {
      const seen = new Set<string>();
      const duplicates = new Set<string>();
      for (const extension of certificate.extensions) (seen.has(extension.type) ? duplicates : seen).add(extension.type);
      return duplicates.size === 0 ? undefined : `extensions repeated: ${[...duplicates].join(', ')}`;
    },
  },
  {
    name: 'e_issuer_field_empty',
    level: 'error',
    source: 'RFC5280',
    citation: 'RFC 5280 §4.1.2.4',
    description: 'The issuer field is a non-empty distinguished name.',
    applies: () => true,
    check: (certificate) => (certificate.issuerEmpty ? 'issuer is empty' : undefined),
  },
];
