/**
 * The protocols pki-ca speaks beside its API, wired to its store and its CAs: CRLs (published on a
 * schedule by one replica at a time), OCSP (answered by each CA's delegated responder), RFC 3161
 * time-stamps (by the default CA's TSA certificate) and EST (enrollment under the EST profile).
 * Each protocol module knows nothing of the store; this file is the only place that joins them.
 */
import type { EntityManager } from '@mikro-orm/core';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Authenticate } from '../template/openapi/router.ts';
import { x509 } from '../template/tls/x509.ts';
import type { PkiContext } from './context.ts';
import { CrlPublisher, type CrlSource } from './crl/publisher.ts';
import type { RevokedEntry } from './crl/build.ts';
import { isReasonName, type ReasonName } from './crl/reasons.ts';
import { delegatedSigner } from './delegated.ts';
import { CertificateAuthority, IssuedCertificate } from './entities.ts';
import type { EstDeps } from './est/routes.ts';
import { enroll } from './issue.ts';
import type { CertStatus, OcspAuthority } from './ocsp/index.ts';
import { chainOf, currentCa, currentCaFrom, findCa, lineageFrom, openSigner } from './signers.ts';
import type { TsaAuthority } from './tsa/index.ts';
import type { AcmeDeps } from './acme/context.ts';
import { revokeCertificate } from './certificates.ts';
import { certificatePem } from './pem.ts';
import { ConflictError, UsageError } from '../template/errors/index.ts';
import { BOOTSTRAP_NAMES } from './hierarchy.ts';

/** The CA whose TSA certificate signs time-stamps and that EST serves without a label. */
export const DEFAULT_CA = BOOTSTRAP_NAMES.issuing;

/**
 * When and why a revoked row was revoked. The one update that revokes writes both (with a checked
 * reason name), so the fallbacks below only keep a hand-edited row from breaking CRLs and OCSP.
 */
function revocation(row: { readonly revokedAt?: Date | null; readonly revocationReason?: string | null }): { readonly revokedAt: Date; readonly reason: ReasonName } {
  return { revokedAt: new Date(row.revokedAt ?? 0), reason: isReasonName(row.revocationReason) ? row.revocationReason : 'unspecified' };
}

/** Every revoked, unexpired certificate of a CA from the store, as the CRL lists it. */
async function* revokedOf(em: EntityManager, caName: string, now: Date, since?: Date): AsyncIterable<RevokedEntry> {
  const ca = await findCa(em, caName);
  const rows = await em.find(IssuedCertificate, {
    caId: ca.id,
    status: 'revoked',
    notAfter: { $gt: now },
    ...(since === undefined ? {} : { revokedAt: { $gte: since } }),
  }, { fields: ['serialHex', 'revokedAt', 'revocationReason'], disableIdentityMap: true });
  for (const row of rows) {
    yield { serialHex: row.serialHex, ...revocation(row) };
  }
}

/** The store as the CRL publisher reads it. */
export function crlSource(fork: () => EntityManager, pki: PkiContext): CrlSource {
  return {
    // External CAs publish their own CRLs: their keys are not here.
    caNames: async () => (await fork().find(CertificateAuthority, { status: { $ne: 'retired' }, external: false }, { fields: ['name'] })).map((ca) => ca.name),
    signer: (ca) => openSigner(fork(), pki, ca),
    revoked: (ca, since) => revokedOf(fork(), ca, pki.now(), since),
  };
}

/** One publisher per process, its lease holder named after the host and process. */
export function crlPublisher(fork: () => EntityManager, pki: PkiContext, log: Logger): CrlPublisher {
  return new CrlPublisher({
    fork,
    source: crlSource(fork, pki),
    publicUrl: pki.publicUrl,
    holder: `${hostname()}/${String(process.pid)}/${randomUUID()}`,
    log,
    fullIntervalMs: pki.config.crlIntervalSeconds * 1000,
    deltaIntervalMs: pki.config.deltaCrlIntervalSeconds * 1000,
    now: () => pki.now(),
  });
}

/** What the store says of one serial of a CA (OCSP). */
async function statusOf(em: EntityManager, caId: string, serialHex: string): Promise<CertStatus> {
  const row = await em.findOne(IssuedCertificate, { serialHex, caId }, { fields: ['status', 'revokedAt', 'revocationReason'], disableIdentityMap: true });
  if (row === null) return { status: 'unknown' };
  if (row.status === 'good') return { status: 'good' };
  return { status: 'revoked', ...revocation(row) };
}

/** The OCSP authority of CA `caName`: its certificate, its delegated responder and the store. */
export function ocspAuthority(fork: () => EntityManager, pki: PkiContext): (caName: string) => Promise<OcspAuthority | undefined> {
  return async (caName) => {
    const em = fork();
    const ca = await em.findOne(CertificateAuthority, { name: caName });
    // An external CA's responder is its own: no delegated signer can be issued without its key.
    // A retired CA signs nothing any more: every certificate it issued has expired.
    if (ca === null || ca.external || ca.status === 'retired') return undefined;
    const responder = await delegatedSigner(em, pki, caName, 'ocsp');
    return {
      issuer: new x509.X509Certificate(ca.certificate),
      responder,
      lookup: (serialHex) => statusOf(fork(), ca.id, serialHex),
      validitySeconds: pki.config.ocspValiditySeconds,
    };
  };
}

/** The time-stamp authority: the TSA certificate of the default CA, or of the CA it was rotated to. */
export function tsaAuthority(fork: () => EntityManager, pki: PkiContext): () => Promise<TsaAuthority> {
  return async () => {
    const em = fork();
    return { signer: await delegatedSigner(em, pki, (await currentCa(em, DEFAULT_CA)).name, 'tsa') };
  };
}

/** True when `certificate` is, byte for byte, a certificate this service issued that is good and unexpired now. */
async function issuedAndGood(em: EntityManager, certificate: x509.X509Certificate, now: Date): Promise<boolean> {
  const row = await em.findOne(IssuedCertificate, { serialHex: certificate.serialNumber.toLowerCase() }, { disableIdentityMap: true });
  return row !== null && row.status === 'good' && row.notAfter.getTime() > now.getTime() && row.notBefore.getTime() <= now.getTime()
    && Buffer.from(row.certificate).equals(Buffer.from(certificate.rawData));
}

/** The CA chain EST's cacerts returns: the CA that issues for `caName` now, then those above it. */
async function estChain(em: EntityManager, caName: string): Promise<readonly x509.X509Certificate[] | undefined> {
  const named = await em.findOne(CertificateAuthority, { name: caName });
  if (named === null) return undefined;
  const ca = await currentCaFrom(em, named);
  return [new x509.X509Certificate(ca.certificate), ...await chainOf(em, ca)];
}

/** EST wired to the store: enrollment with `pki.estProfile`, client certificates checked against what was issued. */
export function estDeps(fork: () => EntityManager, pki: PkiContext, authenticate: Authenticate): EstDeps {
  return {
    defaultCa: DEFAULT_CA,
    chain: (ca) => estChain(fork(), ca),
    enroll: async (ca, csr) => {
      const result = await enroll(fork(), pki, { csr: csr.toString('pem'), profile: pki.config.estProfile, ca });
      return new x509.X509Certificate(result.certificate);
    },
    clientCertificateValid: (certificate) => issuedAndGood(fork(), certificate, pki.now()),
    authenticate,
  };
}

/** `keyId=base64url,...` as a map of EAB HMAC keys; a malformed pair is a configuration error. */
export function parseEabKeys(text: string): ReadonlyMap<string, Uint8Array> {
  const pairs = text.split(',').map((pair) => pair.trim()).filter((pair) => pair !== '');
  return new Map(pairs.map((pair) => {
    const match = /^([A-Za-z0-9_-]+)=([A-Za-z0-9_-]{22,})$/.exec(pair);
    if (match === null) throw new UsageError(`pki.acmeEabKeys: an entry is not keyId=base64url-key (at least 16 bytes): "${pair.split('=', 1).join('')}=…"`);
    const [, keyId, key] = match as unknown as [string, string, string];
    return [keyId, new Uint8Array(Buffer.from(key, 'base64url'))];
  }));
}

/** The authority key identifier of a certificate in hex (ARI certIDs begin with it); every issuance writes one. */
function akiHexOf(certificate: x509.X509Certificate): string {
  return String(certificate.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId);
}

/**
 * The certificate `serialHex` if the CA `caName` issued it, or a CA it was rotated to did: an ACME
 * directory keeps answering for what was ordered through it after its CA rotates.
 */
async function issuedInLineage(em: EntityManager, caName: string, serialHex: string): Promise<IssuedCertificate | undefined> {
  const row = await em.findOne(IssuedCertificate, { serialHex });
  const named = row === null ? null : await em.findOne(CertificateAuthority, { name: caName });
  if (row === null || named === null) return undefined;
  return (await lineageFrom(em, named)).some((ca) => ca.id === row.caId) ? row : undefined;
}

/** ACME wired to the store: orders issued under `pki.acmeProfile`, revocations as the API makes them. */
export function acmeDeps(fork: () => EntityManager, pki: PkiContext): AcmeDeps {
  const eabKeys = parseEabKeys(pki.config.acmeEabKeys);
  return {
    fork,
    publicUrl: pki.publicUrl,
    knownCa: async (name) => (await fork().findOne(CertificateAuthority, { name, kind: 'issuing' })) !== null,
    requiresEab: () => pki.config.acmeEabRequired,
    eabKey: (keyId) => Promise.resolve(eabKeys.get(keyId)),
    issue: async (ca, csrDer) => {
      const csr = new x509.Pkcs10CertificateRequest(csrDer);
      const result = await enroll(fork(), pki, { csr: csr.toString('pem'), profile: pki.config.acmeProfile, ca });
      const certificate = new x509.X509Certificate(result.certificate);
      return { serialHex: result.serial, certificatePem: result.certificate, chainPem: result.chain, notBefore: certificate.notBefore, notAfter: certificate.notAfter, akiHex: akiHexOf(certificate) };
    },
    revoke: async (ca, serialHex, reason) => {
      const em = fork();
      if (await issuedInLineage(em, ca, serialHex) === undefined) return 'unknown';
      try {
        await revokeCertificate(em, serialHex, reason, pki.now());
        return 'revoked';
      } catch (error) {
        if (error instanceof ConflictError) return 'already';
        throw error;
      }
    },
    certificateBySerial: async (ca, serialHex) => {
      const row = await issuedInLineage(fork(), ca, serialHex);
      return row === undefined ? undefined : { certificatePem: certificatePem(new x509.X509Certificate(row.certificate)) };
    },
    challengePorts: { http: pki.config.acmeHttpPort, tlsAlpn: pki.config.acmeTlsAlpnPort },
    now: () => pki.now(),
  };
}
