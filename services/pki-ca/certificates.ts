/**
 * Issued certificates: list with filters, read one by serial, revoke. A revocation is one guarded
 * update (`where status = 'good'`), so of any number of concurrent revocations of one serial
 * exactly one succeeds and the others answer 409, on SQLite and PostgreSQL alike.
 */
import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { x509 } from '../template/tls/x509.ts';
import type { SubjectAltName } from './contract.ts';
import { CertificateAuthority, IssuedCertificate, type CertificateStatus } from './entities.ts';
import { isSerialHex } from './serial.ts';
import { certificatePem } from './pem.ts';
import { reasonNames } from './crl/reasons.ts';

/** RFC 5280 §5.3.1 reason names a revocation may give (code 7 is unused by the RFC): the CRL's table. */
export const REVOCATION_REASON_NAMES: readonly string[] = reasonNames;

/** A certificate as the API shows it. */
export interface CertificateView {
  readonly serial: string;
  readonly ca: string;
  readonly profile: string;
  readonly subject: string;
  readonly sans: readonly SubjectAltName[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly status: CertificateStatus;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
  readonly createdAt: string;
  readonly certificate: string;
}

/** The API shape of a stored certificate; `caName` is its issuer's name. */
export function presentCertificate(row: IssuedCertificate, caName: string): CertificateView {
  return {
    serial: row.serialHex,
    ca: caName,
    profile: row.profile,
    subject: row.subject,
    sans: row.sans,
    notBefore: row.notBefore.toISOString(),
    notAfter: row.notAfter.toISOString(),
    status: row.status,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revocationReason: row.revocationReason ?? null,
    createdAt: row.createdAt.toISOString(),
    certificate: certificatePem(new x509.X509Certificate(row.certificate)),
  };
}

/** The filters of `GET /certificates`. */
export interface CertificateFilter {
  readonly ca?: string;
  readonly status?: CertificateStatus;
}

async function caNames(em: EntityManager): Promise<Map<string, string>> {
  return new Map((await em.find(CertificateAuthority, {})).map((ca) => [ca.id, ca.name]));
}

/** One page of certificates matching every filter, newest first; an unknown CA name matches nothing. */
export async function listCertificates(em: EntityManager, filter: CertificateFilter, page: number, size: number): Promise<{ readonly items: CertificateView[]; readonly total: number }> {
  const names = await caNames(em);
  const where: FilterQuery<IssuedCertificate> = {};
  if (filter.status !== undefined) where.status = filter.status;
  if (filter.ca !== undefined) {
    const id = [...names].find(([, name]) => name === filter.ca)?.[0];
    if (id === undefined) return { items: [], total: 0 };
    where.caId = id;
  }
  const [rows, total] = await em.findAndCount(IssuedCertificate, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size, offset: page * size });
  return { items: rows.map((row) => presentCertificate(row, String(names.get(row.caId)))), total };
}

function checkSerial(serial: string): void {
  if (!isSerialHex(serial)) throw new BadRequestError('serial must be 32 lowercase hex characters');
}

async function findCertificate(em: EntityManager, serial: string): Promise<IssuedCertificate> {
  checkSerial(serial);
  const row = await em.findOne(IssuedCertificate, { serialHex: serial });
  if (row === null) throw new NotFoundError(`no certificate with serial ${serial}`);
  return row;
}

async function caNameOf(em: EntityManager, caId: string): Promise<string> {
  return (await em.findOneOrFail(CertificateAuthority, { id: caId })).name;
}

/** `GET /certificates/{serial}` (400 for a malformed serial, 404 for an unknown one). */
export async function getCertificate(em: EntityManager, serial: string): Promise<CertificateView> {
  const row = await findCertificate(em, serial);
  return presentCertificate(row, await caNameOf(em, row.caId));
}

/**
 * `POST /certificates/{serial}/revoke`: good → revoked with `reason` at `now`, as one guarded
 * update. Unknown reason 400, unknown serial 404, already revoked 409.
 */
export async function revokeCertificate(em: EntityManager, serial: string, reason: string, now: Date): Promise<CertificateView> {
  if (!REVOCATION_REASON_NAMES.includes(reason)) throw new BadRequestError(`reason must be an RFC 5280 reason name: ${REVOCATION_REASON_NAMES.join(', ')}`);
  checkSerial(serial);
  const changed = await em.nativeUpdate(IssuedCertificate, { serialHex: serial, status: 'good' }, { status: 'revoked', revokedAt: now, revocationReason: reason });
  if (changed === 0) {
    const row = await findCertificate(em, serial);
    throw new ConflictError(`certificate ${row.serialHex} is already revoked`);
  }
  return await getCertificate(em.fork(), serial);
}
