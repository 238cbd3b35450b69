/**
 * The operator's bootstrap CA: an ECDSA P-256 root kept in a Secret per namespace that signs the
 * TLS certificates of resources that do not ask for cert-manager. Same algorithms and profile as the
 * template's local CA (services/template/tls), but held in Kubernetes rather than in files.
 */
import { createPrivateKey } from 'node:crypto';
import { x509 } from '../../services/template/tls/x509.ts';
import { EC_P256, selfSignedServerCa, signServerCertificate } from '../../services/template/tls/issuing.ts';
import type { TlsMaterial } from '../children/tls.ts';

/** Says what the root is in every certificate viewer. */
export const BOOTSTRAP_CA_SUBJECT = 'CN=cryptoutil operator bootstrap CA';
const CA_DAYS = 3650;
const SERVER_DAYS = 365;

/** The CA as stored: certificate and PKCS#8 key, PEM. */
export interface CaPem {
  readonly cert: string;
  readonly key: string;
}

/** A fresh self-signed root with the profile every cryptoutil CA uses. */
export function createBootstrapCa(now: Date): Promise<CaPem> {
  return selfSignedServerCa(BOOTSTRAP_CA_SUBJECT, CA_DAYS, now);
}

/** A server certificate for `names` signed by `ca`, with the template's server profile. */
export async function issueServerCertificate(ca: CaPem, subject: string, names: readonly string[], now: Date): Promise<TlsMaterial> {
  const signing = {
    certificate: new x509.X509Certificate(ca.cert),
    privateKey: createPrivateKey(ca.key).toCryptoKey(EC_P256, false, ['sign']),
  };
  const { cert, key } = await signServerCertificate(signing, subject, names, SERVER_DAYS, now);
  return { cert, key, ca: ca.cert };
}
