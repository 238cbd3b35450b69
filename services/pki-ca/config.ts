/**
 * pki-ca's own configuration keys (`pki.*`), merged by the template with its shared keys:
 * whether to create the default hierarchy on the first unseal, its key algorithm, subject and
 * validity periods, where extra profiles live and which base URL issued certificates name.
 */
import type { Schema } from 'convict';
import { caKeyAlgorithms, type CaKeyAlgorithm } from './contract.ts';

export interface PkiConfig {
  readonly pki: {
    /** On the first unseal with no CA stored: create `root`, `intermediate` and the issuing CA `default`. */
    readonly bootstrap: boolean;
    readonly bootstrapKeyAlgorithm: CaKeyAlgorithm;
    /** Attributes appended to each bootstrap CA's `CN` (`O=cryptoutil`), RFC 4514 escaping, encoded in the order written. */
    readonly bootstrapSubject: string;
    /** The bootstrap root's whole subject (a CertificateAuthority's `spec.subject`); `''` for `CN=Root CA,<bootstrapSubject>`. */
    readonly rootSubject: string;
    /** Seconds between full CRLs. */
    readonly crlIntervalSeconds: number;
    /** Seconds between delta CRLs: the CRL schedule's tick. */
    readonly deltaCrlIntervalSeconds: number;
    /** Seconds an OCSP response is valid (its nextUpdate). */
    readonly ocspValiditySeconds: number;
    /** The profile EST enrollments are planned with. */
    readonly estProfile: string;
    /** The profile ACME orders are issued with. */
    readonly acmeProfile: string;
    /** New ACME accounts must carry an external account binding (RFC 8555 §7.3.4). */
    readonly acmeEabRequired: boolean;
    /** EAB keys: `keyId=base64url-HMAC-key` pairs, comma-separated (usually a `file://` Secret). */
    readonly acmeEabKeys: string;
    /** Port ACME validation connects to for http-01 (RFC 8555 §8.3: 80). */
    readonly acmeHttpPort: number;
    /** Port ACME validation connects to for tls-alpn-01 (RFC 8737: 443). */
    readonly acmeTlsAlpnPort: number;
    readonly rootValidityDays: number;
    readonly intermediateValidityDays: number;
    readonly issuingValidityDays: number;
    /** A directory of extra profile YAML files; `''` for the built-in profiles only. */
    readonly profilesDir: string;
    /** Base of the CRL, OCSP and CA certificate URLs in issued certificates; `''` = the public listener's URL. */
    readonly publicUrl: string;
  };
}

/** The convict schema of the `pki.*` keys. */
export const pkiSchema: Schema<PkiConfig> = {
  pki: {
    bootstrap: {
      doc: 'On the first unseal with no CA in the database, create the root CA "root", the intermediate "intermediate" and the issuing CA "default" (cryptoutil up sets it).',
      format: Boolean,
      default: false,
    },
    bootstrapKeyAlgorithm: {
      doc: 'Key algorithm of the bootstrap CAs: ES256, ES384, RSA-3072, RSA-4096 or Ed25519.',
      format: [...caKeyAlgorithms],
      default: 'ES256',
    },
    bootstrapSubject: {
      doc: 'Attributes appended to the CN of each bootstrap CA (and of issuing CAs created without a subject), e.g. O=cryptoutil; encoded in the order written.',
      format: String,
      default: 'O=cryptoutil',
    },
    rootSubject: {
      doc: 'The whole subject of the bootstrap root CA (CN=...,O=..., encoded in the order written); empty for "CN=Root CA," followed by pki.bootstrapSubject.',
      format: String,
      default: '',
    },
    crlIntervalSeconds: { doc: 'Seconds between full CRLs of each CA (published by one replica at a time).', format: 'nat', default: 3600 },
    deltaCrlIntervalSeconds: { doc: 'Seconds between delta CRLs; also how often the CRL schedule runs.', format: 'nat', default: 300 },
    ocspValiditySeconds: { doc: 'Seconds an OCSP response stays valid (its nextUpdate, and the HTTP cache lifetime of GET answers).', format: 'nat', default: 3600 },
    estProfile: { doc: 'The certificate profile EST enrollments (simpleenroll, simplereenroll, serverkeygen) are planned with.', format: String, default: 'tls-client' },
    acmeProfile: { doc: 'The certificate profile ACME orders are issued with.', format: String, default: 'tls-server' },
    acmeEabRequired: { doc: 'New ACME accounts must carry an external account binding with one of pki.acmeEabKeys.', format: Boolean, default: false },
    acmeEabKeys: {
      doc: 'External account binding keys: keyId=base64url HMAC key pairs, comma-separated; use a file:// reference to a Secret.',
      format: String,
      default: '',
      sensitive: true,
    },
    acmeHttpPort: { doc: 'Port ACME connects to when it validates an http-01 challenge (80 as RFC 8555 says; change it only for tests).', format: 'port', default: 80 },
    acmeTlsAlpnPort: { doc: 'Port ACME connects to when it validates a tls-alpn-01 challenge (443 as RFC 8737 says; change it only for tests).', format: 'port', default: 443 },
    rootValidityDays: { doc: 'Days of validity of the bootstrap root CA.', format: 'nat', default: 3650 },
    intermediateValidityDays: { doc: 'Days of validity of the bootstrap intermediate CA.', format: 'nat', default: 1825 },
    issuingValidityDays: { doc: 'Days of validity of an issuing CA (bootstrap and POST /cas without validityDays).', format: 'nat', default: 365 },
    profilesDir: { doc: 'Directory of extra certificate profiles (YAML); empty for the built-in profiles only.', format: String, default: '' },
    publicUrl: {
      doc: 'Base URL written into issued certificates (CRL distribution point, AIA caIssuers and OCSP); empty for the public listener URL.',
      format: String,
      default: '',
    },
  },
};
