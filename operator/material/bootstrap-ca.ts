/**
 * The operator's bootstrap CA: an ECDSA P-256 root kept in a Secret per namespace that signs the
 * TLS certificates of resources that do not ask for cert-manager. Same algorithms and profile as the
 * template's local CA (services/template/tls), but held in Kubernetes rather than in files.
 *
 * Lifetimes follow cert-manager's default rule: a certificate is renewed once two thirds of its life
 * have passed, leaving a third (about four months for a server certificate) to notice a failure.
 * The CA itself is not rotated by the operator: a new root changes what every running service
 * trusts for its outgoing calls, which it reads at start, so a rotation is a planned step
 * (docs/operator.md "TLS renewal"); from two thirds of its life on the operator warns.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { x509 } from '../../services/template/tls/x509.ts';
import { DAY_MS, EC_P256, selfSignedServerCa, signServerCertificate } from '../../services/template/tls/issuing.ts';
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

/** The part of a certificate's life after which it is renewed (cert-manager's default `renewBefore`). */
export const RENEW_AFTER_FRACTION = 2 / 3;

/** When a certificate is due for renewal: two thirds of the way from notBefore to notAfter. */
export function renewalTime(pem: string): Date {
  const { validFromDate, validToDate } = new X509Certificate(pem);
  return new Date(validFromDate.getTime() + (validToDate.getTime() - validFromDate.getTime()) * RENEW_AFTER_FRACTION);
}

/** True when `pem` is due for renewal at `now`, or is no certificate at all (then it is replaced too). */
export function renewalDue(pem: string | undefined, now: Date): boolean {
  if (pem === undefined) return true;
  try {
    return now >= renewalTime(pem);
  } catch {
    return true;
  }
}

/** Where the bootstrap CA stands: `expiring` from two thirds of its life, `expired` past notAfter. */
export type CaState = 'valid' | 'expiring' | 'expired';

/** Throws when `ca` is no certificate: callers decide what an unreadable CA means to them. */
export function caState(ca: string, now: Date): CaState {
  if (now >= new X509Certificate(ca).validToDate) return 'expired';
  return renewalDue(ca, now) ? 'expiring' : 'valid';
}

/**
 * A server certificate for `names` signed by `ca`, with the template's server profile. It never
 * outlives its CA (RFC 5280 §6.1.3 would fail the chain from that day), so late in the CA's life
 * it is shorter than a year.
 */
export async function issueServerCertificate(ca: CaPem, subject: string, names: readonly string[], now: Date): Promise<TlsMaterial> {
  const certificate = new x509.X509Certificate(ca.cert);
  const signing = { certificate, privateKey: createPrivateKey(ca.key).toCryptoKey(EC_P256, false, ['sign']) };
  const days = Math.min(SERVER_DAYS, (certificate.notAfter.getTime() - now.getTime()) / DAY_MS);
  const { cert, key } = await signServerCertificate(signing, subject, names, days, now);
  return { cert, key, ca: ca.cert };
}
