/**
 * What `cryptoutil up` tells a reader about pki-ca in `credentials.json`: the issuing CA the suite
 * bootstraps and the URLs a client needs to use it (the chain through the API, the rest public).
 */
import type { UpSuite } from '../template/service.ts';
import { BOOTSTRAP_NAMES } from './hierarchy.ts';

/** The `pki` entry of `credentials.json`: the suite's issuing CA and where to reach it. */
export interface PkiUpCredentials {
  /** The issuing CA `pki.bootstrap` creates, the one enrollments use unless they name another. */
  readonly ca: string;
  /** `GET` with a `ca:read` token: the issuing CA's certificate, then each one above it up to the root (PEM). */
  readonly chain_url: string;
  /** The root CA's certificate (DER, no token): the trust anchor for what the suite issues. */
  readonly root_certificate_url: string;
  /** The issuing CA's certificate (DER, no token), as issued certificates name it (AIA caIssuers). */
  readonly issuer_certificate_url: string;
  /** The issuing CA's full CRL (DER, no token). */
  readonly crl_url: string;
  /** The issuing CA's OCSP responder (`POST` a DER request, or `GET` it in base64 after the URL). */
  readonly ocsp_url: string;
  /** The time-stamp authority (RFC 3161, `POST` a DER query). */
  readonly tsa_url: string;
  /** The ACME directory of the issuing CA (RFC 8555). */
  readonly acme_directory: string;
  /** The EST base (RFC 7030): `cacerts`, `simpleenroll`, `simplereenroll` follow it. */
  readonly est_url: string;
}

/** The `pki` entry `up` adds to `credentials.json`, from pki-ca's public URL in the suite. */
export function pkiUpCredentials(suite: Pick<UpSuite, 'publicUrl'>, service: string): Promise<{ readonly pki: PkiUpCredentials }> {
  const base = suite.publicUrl(service);
  const ca = BOOTSTRAP_NAMES.issuing;
  return Promise.resolve({
    pki: {
      ca,
      chain_url: `${base}/service/api/v1/cas/${ca}/chain`,
      root_certificate_url: `${base}/pki/v1/ca/${BOOTSTRAP_NAMES.root}.crt`,
      issuer_certificate_url: `${base}/pki/v1/ca/${ca}.crt`,
      crl_url: `${base}/pki/v1/crl/${ca}.crl`,
      ocsp_url: `${base}/pki/v1/ocsp/${ca}`,
      tsa_url: `${base}/tsa`,
      acme_directory: `${base}/acme/${ca}/directory`,
      est_url: `${base}/.well-known/est/`,
    },
  });
}
