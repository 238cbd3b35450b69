/**
 * ACME Renewal Information (RFC 9773): a certificate's ARI certID, and the window in which the
 * server suggests renewing it: the start of the last third of its validity up to the point where
 * a sixth of it is left, or at once (a window in the past) when it was revoked.
 */
import { x509 } from '../../template/tls/x509.ts';
import type { AcmeContext, AcmeResponse } from './context.ts';
import { AcmeCertificate } from './entities.ts';
import { AcmeProblem } from './problems.ts';

/** How long a client waits before asking again (RFC 9773 §4.3 Retry-After), in seconds. */
export const RETRY_AFTER_SECONDS = 6 * 3600;

/** A serial's hex without the leading zero bytes DER may add, lowercase. */
export function normalizeSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=..)/, '');
}

/** RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial INTEGER content octets). */
export function certId(akiHex: string, serialHex: string): string {
  const serial = normalizeSerial(serialHex);
  const content = Number.parseInt(serial.slice(0, 2), 16) >= 0x80 ? `00${serial}` : serial;
  return `${Buffer.from(akiHex, 'hex').toString('base64url')}.${Buffer.from(content, 'hex').toString('base64url')}`;
}

/** The AKI and serial of a certID, both hex; malformed when it is not two base64url parts. */
export function parseCertId(value: string): { readonly akiHex: string; readonly serialHex: string } {
  const parts = value.split('.');
  if (parts.length !== 2 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) {
    throw new AcmeProblem('malformed', 'a certID is base64url(keyIdentifier).base64url(serial)');
  }
  const [aki, serial] = parts as [string, string];
  return { akiHex: Buffer.from(aki, 'base64url').toString('hex'), serialHex: normalizeSerial(Buffer.from(serial, 'base64url').toString('hex')) };
}

/** The suggested renewal window of a certificate. */
export function suggestedWindow(notBefore: Date, notAfter: Date, revoked: boolean, now: Date): { readonly start: string; readonly end: string } {
  if (revoked) {
    // RFC 9773 §4.2: a window in the past asks for renewal now
    return { start: new Date(now.getTime() - 2 * 3_600_000).toISOString(), end: new Date(now.getTime() - 3_600_000).toISOString() };
  }
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return {
    start: new Date(notBefore.getTime() + Math.floor((2 * lifetime) / 3)).toISOString(),
    end: new Date(notBefore.getTime() + Math.floor((5 * lifetime) / 6)).toISOString(),
  };
}

/** The ACME-issued certificate a certID names under this CA, or undefined. */
export async function certificateOfId(acme: AcmeContext, id: string): Promise<AcmeCertificate | undefined> {
  const { akiHex, serialHex } = parseCertId(id);
  const rows = await acme.em.find(AcmeCertificate, { ca: acme.ca, serialHex: { $in: [serialHex, serialHex.padStart(32, '0')] } });
  return rows.find((row) => row.akiHex.toLowerCase() === akiHex);
}

/** The dates and AKI of a certificate the CA knows outside ACME. */
async function knownElsewhere(acme: AcmeContext, akiHex: string, serialHex: string): Promise<{ readonly notBefore: Date; readonly notAfter: Date } | undefined> {
  const known = await acme.deps.certificateBySerial?.(acme.ca, serialHex);
  if (known === undefined) return undefined;
  const certificate = new x509.X509Certificate(known.certificatePem);
  const aki = certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId?.toLowerCase();
  return aki === akiHex ? { notBefore: certificate.notBefore, notAfter: certificate.notAfter } : undefined;
}

/** GET /renewal-info/<certID> (RFC 9773 §4.2): unauthenticated. */
export async function renewalInfo(acme: AcmeContext): Promise<AcmeResponse> {
  const id = acme.id;
  const row = await certificateOfId(acme, id);
  const { akiHex, serialHex } = parseCertId(id);
  const dates = row ?? await knownElsewhere(acme, akiHex, serialHex);
  if (dates === undefined) {
    throw new AcmeProblem('notFound', 'no certificate of this CA has that certID');
  }
  const revoked = row !== undefined && row.revokedAt !== null;
  return {
    status: 200,
    body: { suggestedWindow: suggestedWindow(dates.notBefore, dates.notAfter, revoked, acme.now) },
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
  };
}
