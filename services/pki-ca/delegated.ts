/**
 * Delegated signers: a CA signs its OCSP responses and time-stamp tokens not with its own key but
 * with a short-lived certificate it issued for that one purpose (RFC 6960 §4.2.2.2 delegated
 * responder from the `ocsp-responder` profile; RFC 3161 §2.3 TSA certificate from the `timestamp`
 * profile). Each is made on first use, its key sealed under the barrier like a CA key, renewed once
 * less than a quarter of its validity is left, and stored as a certificate of its CA so that
 * revoking it works like revoking any other.
 */
import type { EntityManager } from '@mikro-orm/core';
import { uuidv7 } from '../template/database/index.ts';
import { delegatedAad, DelegatedSigner, type DelegatedPurpose } from './delegated-store.ts';
import { x509 } from '../template/tls/x509.ts';
import { signingAlgorithm, type CaKeyAlgorithm, type CaSigner } from './contract.ts';
import type { PkiContext } from './context.ts';
import { assertLintPasses, signPlan, storeCertificate } from './issue.ts';
import { generateCaKey, openCaKey } from './keys.ts';
import { findCa, openSigner } from './signers.ts';

/** Each purpose's profile and the name its certificate carries. */
const PURPOSES: Readonly<Record<DelegatedPurpose, { readonly profile: string; readonly commonName: string }>> = {
  ocsp: { profile: 'ocsp-responder', commonName: 'OCSP Responder' },
  tsa: { profile: 'timestamp', commonName: 'Time-Stamp Authority' },
};

/** Renewed once less than this share of its validity is left. */
const RENEW_AT_REMAINING = 0.25;

function fresh(row: { readonly notBefore: Date; readonly notAfter: Date }, now: Date): boolean {
  const lifetime = row.notAfter.getTime() - row.notBefore.getTime();
  return row.notAfter.getTime() - now.getTime() > lifetime * RENEW_AT_REMAINING;
}

/** A new delegated signer of `ca` for `purpose`: key sealed, certificate planned, signed, linted and stored. */
async function createDelegated(em: EntityManager, pki: PkiContext, ca: CaSigner, caId: string, purpose: DelegatedPurpose): Promise<DelegatedSigner> {
  const { profile, commonName } = PURPOSES[purpose];
  const id = uuidv7();
  const keyAlgorithm: CaKeyAlgorithm = ca.keyAlgorithm;
  const key = await generateCaKey(pki.barrier, keyAlgorithm, id, delegatedAad(id));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName} ${ca.name},${pki.config.bootstrapSubject}`,
    keys: { publicKey: key.publicKey, privateKey: key.privateKey },
    signingAlgorithm: signingAlgorithm(keyAlgorithm),
  });
  const { catalog, lint } = await pki.rules();
  const plan = await catalog.plan(profile, { csr });
  const now = pki.now();
  const signed = await signPlan(plan, csr.publicKey, ca, now, pki.publicUrl());
  assertLintPasses(lint, signed.certificate, ca.certificate, plan);
  return await em.transactional((tx) => {
    const row = tx.create(DelegatedSigner, {
      id, caId, purpose, keyAlgorithm,
      certificate: Buffer.from(signed.certificate.rawData),
      sealedPrivateKey: key.sealed,
      notBefore: signed.certificate.notBefore,
      notAfter: signed.certificate.notAfter,
      createdAt: now,
    });
    storeCertificate(tx, caId, plan, signed, now);
    return Promise.resolve(row);
  });
}

/**
 * The open delegated signer of CA `caName` for `purpose`, made or renewed when needed. Two replicas
 * renewing at once each make one; both certificates are valid, and each process keeps using its own.
 */
export async function delegatedSigner(em: EntityManager, pki: PkiContext, caName: string, purpose: DelegatedPurpose): Promise<CaSigner> {
  const cacheKey = `${purpose}:${caName}`;
  const cached = await pki.signers.get(cacheKey, async () => {
    const ca = await findCa(em, caName);
    const issuer = await openSigner(em, pki, caName);
    const now = pki.now();
    const stored = await em.findOne(DelegatedSigner, { caId: ca.id, purpose }, { orderBy: { notAfter: 'desc' } });
    const row = stored !== null && fresh(stored, now) ? stored : await createDelegated(em, pki, issuer, ca.id, purpose);
    const keyAlgorithm = row.keyAlgorithm as CaKeyAlgorithm;
    const privateKey = await openCaKey(pki.barrier, { id: row.id, sealedPrivateKey: row.sealedPrivateKey, keyAlgorithm }, delegatedAad(row.id));
    return { name: cacheKey, certificate: new x509.X509Certificate(row.certificate), privateKey, keyAlgorithm, chain: [issuer.certificate, ...issuer.chain] };
  });
  if (fresh(cached.certificate, pki.now())) return cached;
  pki.signers.forget(cacheKey);
  return await delegatedSigner(em, pki, caName, purpose);
}
