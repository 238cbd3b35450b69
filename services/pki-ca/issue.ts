/**
 * Issuance: one path for every certificate pki-ca signs, CA certificates included. A CSR is
 * planned by its profile, the plan becomes a certificate under the issuer (validity clamped to the
 * issuer's), the lint must find no error, and the certificate is stored before it is returned.
 */
import type { webcrypto } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { BadRequestError, ConflictError } from '../template/errors/index.ts';
import { uuidv7 } from '../template/database/index.ts';
import { x509 } from '../template/tls/x509.ts';
import { signingAlgorithm, type CaKeyAlgorithm, type CaSigner, type CertificateLint, type IssuancePlan } from './contract.ts';
import type { PkiContext } from './context.ts';
import { CertificateAuthority, IssuedCertificate } from './entities.ts';
import { certificateExtensions, issuerUrls } from './extensions.ts';
import { newSerialHex } from './serial.ts';
import { certificatePem } from './pem.ts';
import { currentCa, openSigner } from './signers.ts';
import { signatureHolds } from './profiles/csr-facts.ts';

const DAY_MS = 86_400_000;
/** notBefore is back-dated this much, for relying parties whose clocks run a little slow. */
export const BACKDATE_MS = 60_000;

/** The key that signs: a CA's open signer, or a new CA's own key for its self-signed certificate. */
export interface SigningKey {
  readonly name: string;
  /** Absent when the certificate is self-signed. */
  readonly certificate?: x509.X509Certificate;
  /** The certificates above `certificate`, nearest first, when known. */
  readonly chain?: readonly x509.X509Certificate[];
  readonly privateKey: webcrypto.CryptoKey;
  readonly keyAlgorithm: CaKeyAlgorithm;
}

/** A certificate just signed, not yet linted or stored. */
export interface SignedCertificate {
  readonly certificate: x509.X509Certificate;
  readonly serialHex: string;
  /** notAfter was cut back to the issuer's notAfter (or the earliest of its chain's). */
  readonly clamped: boolean;
}

/** Signs `plan` for `subjectPublicKey` with `issuer` at `now`; CDP and AIA name the issuer under `publicUrl`. */
export async function signPlan(plan: IssuancePlan, subjectPublicKey: x509.PublicKey, issuer: SigningKey, now: Date, publicUrl: string): Promise<SignedCertificate> {
  const serialHex = newSerialHex();
  const wanted = now.getTime() + plan.validityDays * DAY_MS;
  // Nothing outlives the path it chains through: an external CA may have certified an imported CA
  // for longer than its own certificate lasts.
  const limit = Math.min(wanted, ...[issuer.certificate, ...(issuer.chain ?? [])].flatMap((above) => (above === undefined ? [] : [above.notAfter.getTime()])));
  const clamped = wanted > limit;
  const issuerPublicKey = issuer.certificate?.publicKey ?? subjectPublicKey;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject: plan.subject,
    issuer: issuer.certificate?.subject ?? plan.subject,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(Math.min(wanted, limit)),
    publicKey: subjectPublicKey,
    signingKey: issuer.privateKey,
    signingAlgorithm: signingAlgorithm(issuer.keyAlgorithm),
    extensions: await certificateExtensions({
      plan,
      subjectPublicKey,
      issuerPublicKey,
      ...(issuer.certificate === undefined ? {} : { urls: issuerUrls(publicUrl, issuer.name) }),
    }),
  });
  return { certificate, serialHex, clamped };
}

/** Refuses issuance (400 naming each rule) when the lint finds an error; warnings pass. */
export function assertLintPasses(lint: CertificateLint, certificate: x509.X509Certificate, issuer: x509.X509Certificate, plan: IssuancePlan): void {
  const errors = lint(certificate, { issuer, plan }).filter((finding) => finding.level === 'error');
  if (errors.length > 0) throw new BadRequestError(`issuance lint refused the certificate: ${errors.map((finding) => `${finding.rule}: ${finding.detail}`).join('; ')}`);
}

const PEM_CSR = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----/;
const BASE64 = /^[A-Za-z0-9+/=\s_-]+$/;

/** A PKCS#10 request from PEM or base64 DER whose signature verifies; otherwise 400. */
export async function parseCsr(text: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    if (!PEM_CSR.test(text) && !BASE64.test(text)) throw new Error('neither PEM nor base64');
    csr = new x509.Pkcs10CertificateRequest(PEM_CSR.test(text) ? text : Buffer.from(text.replace(/\s/g, ''), 'base64'));
  } catch {
    throw new BadRequestError('csr is not a PKCS#10 certificate request (PEM, or DER in base64)');
  }
  if (!await signatureHolds(csr)) throw new BadRequestError('csr signature does not verify');
  return csr;
}

/** The body of `POST /enrollments`. */
export interface EnrollmentInput {
  readonly csr: string;
  readonly profile: string;
  /** The issuing CA's name; `default` when absent. */
  readonly ca?: string;
  readonly validityDays?: number;
}

/** What `POST /enrollments` answers. */
export interface EnrollmentResult {
  readonly serial: string;
  /** The CA that signed: the one named, or the successor it was rotated to. */
  readonly ca: string;
  readonly certificate: string;
  /** The issuing CA's certificate, then those above it up to the root, as PEM. */
  readonly chain: readonly string[];
  readonly notAfter: string;
  readonly clamped?: true;
}

/** Stores an issued certificate (its CA's row id `caId`) in `em`'s transaction or on its own. */
export function storeCertificate(em: EntityManager, caId: string, plan: IssuancePlan, signed: SignedCertificate, now: Date): IssuedCertificate {
  return em.create(IssuedCertificate, {
    id: uuidv7(),
    serialHex: signed.serialHex,
    caId,
    profile: plan.profile,
    subject: plan.subject,
    sans: [...plan.subjectAltNames],
    notBefore: signed.certificate.notBefore,
    notAfter: signed.certificate.notAfter,
    certificate: Buffer.from(signed.certificate.rawData),
    status: 'good',
    revokedAt: null,
    revocationReason: null,
    createdAt: now,
  });
}

/**
 * The issuing CA of an enrollment naming `name`: that CA, or the successor it was rotated to. It
 * must exist (404), issue leaves and be usable now (409).
 */
async function enrollmentIssuer(em: EntityManager, pki: PkiContext, name: string, now: Date): Promise<{ readonly signer: CaSigner; readonly caId: string }> {
  const ca = await currentCa(em, name);
  if (ca.kind !== 'issuing') throw new BadRequestError(`CA ${name} is a ${ca.kind} CA; certificates are enrolled with an issuing CA`);
  if (ca.status !== 'active') throw new ConflictError(`CA ${ca.name} is ${ca.status} and issues no more certificates`);
  if (ca.notAfter.getTime() <= now.getTime()) throw new ConflictError(`CA ${ca.name} has expired`);
  return { signer: await openSigner(em, pki, ca.name), caId: ca.id };
}

/** How often an enrollment signs again when its CA was rotated between signing and storing. */
const ROTATION_RETRIES = 3;

/**
 * Stores the certificate only while its CA is still active, in one transaction with a guarded
 * write on the CA row: a rotation's own guarded write waits for it (PostgreSQL row lock, SQLite's
 * single writer), so no certificate of a CA is stored after the rotation that retired it committed.
 */
async function storeIfStillActive(em: EntityManager, caId: string, plan: IssuancePlan, signed: SignedCertificate, now: Date): Promise<boolean> {
  return await em.transactional(async (tx) => {
    if (await tx.nativeUpdate(CertificateAuthority, { id: caId, status: 'active' }, { status: 'active' }) !== 1) return false;
    storeCertificate(tx, caId, plan, signed, now);
    await tx.flush();
    return true;
  });
}

/**
 * `POST /enrollments`: CSR → plan → certificate → lint → stored → answer. When the CA was rotated
 * while the certificate was being signed, the certificate is dropped and the successor signs.
 */
export async function enroll(em: EntityManager, pki: PkiContext, input: EnrollmentInput): Promise<EnrollmentResult> {
  const csr = await parseCsr(input.csr);
  const name = input.ca ?? 'default';
  // Each attempt reads the CAs afresh: a retry must see the rotation that made it retry.
  for (let attempt = 1, current = em; attempt <= ROTATION_RETRIES; attempt += 1, current = em.fork()) {
    const now = pki.now();
    const { signer, caId } = await enrollmentIssuer(current, pki, name, now);
    const { catalog, lint } = await pki.rules();
    const plan = await catalog.plan(input.profile, { csr, ...(input.validityDays === undefined ? {} : { validityDays: input.validityDays }) });
    if (plan.ca !== undefined) throw new BadRequestError(`profile ${input.profile} makes CA certificates; create an issuing CA with POST /cas`);
    const signed = await signPlan(plan, csr.publicKey, signer, now, pki.publicUrl());
    assertLintPasses(lint, signed.certificate, signer.certificate, plan);
    if (await storeIfStillActive(current, caId, plan, signed, now)) return enrollmentResult(signer, signed);
  }
  throw new ConflictError(`the issuing CA of ${name} was rotated while the certificate was signed, ${String(ROTATION_RETRIES)} times; enroll again`);
}

/** What `POST /enrollments` answers for a stored certificate. */
function enrollmentResult(signer: CaSigner, signed: SignedCertificate): EnrollmentResult {
  return {
    serial: signed.serialHex,
    ca: signer.name,
    certificate: certificatePem(signed.certificate),
    chain: [signer.certificate, ...signer.chain].map((certificate) => certificatePem(certificate)),
    notAfter: signed.certificate.notAfter.toISOString(),
    ...(signed.clamped ? { clamped: true as const } : {}),
  };
}
