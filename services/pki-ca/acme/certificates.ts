/**
 * Issued certificates (RFC 8555 §7.4.2 download, §7.6 revocation). Revocation is allowed to the
 * account that ordered the certificate or to whoever holds the certificate's own key.
 */
import { createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { x509 } from '../../template/tls/x509.ts';
import type { AcmeContext, AcmeResponse } from './context.ts';
import { AcmeCertificate } from './entities.ts';
import { verifyAccountRequest, verifyRequest } from './jws.ts';
import { AcmeProblem } from './problems.ts';
import { normalizeSerial } from './renewal-info.ts';
import { reasonCode, reasonNames } from '../crl/reasons.ts';

/** RFC 5280 §5.3.1 reason codes a client may give; 7 is unused and removeFromCRL is not a revocation. */
export const REVOCATION_REASONS: ReadonlyMap<number, string> = new Map(
  reasonNames.filter((name) => name !== 'removeFromCRL').map((name) => [reasonCode(name), name]),
);

function withNewline(pem: string): string {
  return `${pem.trimEnd()}\n`;
}

/** POST-as-GET /cert/<id>: the certificate and its chain (`application/pem-certificate-chain`). */
export async function downloadCertificate(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  const row = await acme.em.findOne(AcmeCertificate, { id: acme.id, ca: acme.ca });
  if (row === null) {
    throw new AcmeProblem('notFound', 'no such certificate');
  }
  if (row.accountId !== request.account.id) {
    throw new AcmeProblem('unauthorized', 'the certificate belongs to another account');
  }
  return { status: 200, contentType: 'application/pem-certificate-chain', body: [row.certificatePem, ...row.chainPem].map(withNewline).join('') };
}

function parseCertificate(value: unknown): x509.X509Certificate {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new AcmeProblem('malformed', 'certificate must be the base64url DER of a certificate');
  }
  try {
    return new x509.X509Certificate(Buffer.from(value, 'base64url'));
  } catch {
    throw new AcmeProblem('malformed', 'certificate is not an X.509 certificate');
  }
}

function reasonName(value: unknown): string {
  const name = value === undefined ? 'unspecified' : typeof value === 'number' ? REVOCATION_REASONS.get(value) : undefined;
  if (name === undefined) {
    throw new AcmeProblem('badRevocationReason', 'reason must be an RFC 5280 reason code other than 7 and 8');
  }
  return name;
}

/** Whether `jwk` is the public key the certificate certifies. */
function isCertificateKey(certificate: x509.X509Certificate, jwk: JWK): boolean {
  // the key already verified the request's signature, so it imports
  const spki = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  return Buffer.from(certificate.publicKey.rawData).equals(spki);
}

/** Whether this CA issued exactly this certificate, through ACME or otherwise. */
async function issuedHere(acme: AcmeContext, certificate: x509.X509Certificate, row: AcmeCertificate | null): Promise<boolean> {
  const der = Buffer.from(certificate.rawData);
  if (row !== null) return Buffer.from(new x509.X509Certificate(row.certificatePem).rawData).equals(der);
  const known = await acme.deps.certificateBySerial?.(acme.ca, normalizeSerial(certificate.serialNumber));
  return known !== undefined && Buffer.from(new x509.X509Certificate(known.certificatePem).rawData).equals(der);
}

/** POST revoke-cert (§7.6): by the ordering account (`kid`) or by the certificate's key (`jwk`). */
export async function revokeCertificate(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyRequest(acme, acme.body, 'either');
  const certificate = parseCertificate(request.payload?.certificate);
  const reason = reasonName(request.payload?.reason);
  const serialHex = normalizeSerial(certificate.serialNumber);
  const row = await acme.em.findOne(AcmeCertificate, { ca: acme.ca, serialHex });
  if (!await issuedHere(acme, certificate, row)) {
    throw new AcmeProblem('notFound', 'this CA did not issue that certificate');
  }
  const allowed = request.account === undefined ? isCertificateKey(certificate, request.jwk) : row?.accountId === request.account.id;
  if (!allowed) {
    throw new AcmeProblem('unauthorized', 'only the ordering account or the certificate key may revoke it');
  }
  const outcome = await acme.deps.revoke(acme.ca, serialHex, reason);
  if (outcome === 'already') {
    throw new AcmeProblem('alreadyRevoked', 'the certificate is already revoked');
  }
  if (outcome === 'unknown') {
    throw new AcmeProblem('notFound', 'the CA does not know that certificate');
  }
  await acme.em.nativeUpdate(AcmeCertificate, { ca: acme.ca, serialHex, revokedAt: null }, { revokedAt: acme.now });
  return { status: 200 };
}
