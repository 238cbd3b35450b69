/**
 * Opening a stored CA into a CaSigner: its certificate, its key opened from the barrier (not
 * extractable) and the certificates above it, nearest first. Opened signers are cached until the
 * barrier seals; a sealed barrier refuses every signing path with 503.
 */
import type { EntityManager } from '@mikro-orm/core';
import { ConflictError, NotFoundError } from '../template/errors/index.ts';
import { x509 } from '../template/tls/x509.ts';
import type { CaKeyAlgorithm, CaSigner } from './contract.ts';
import type { PkiContext } from './context.ts';
import { CertificateAuthority } from './entities.ts';
import { openCaKey } from './keys.ts';

/** The stored CA called `name`, or 404. */
export async function findCa(em: EntityManager, name: string): Promise<CertificateAuthority> {
  const ca = await em.findOne(CertificateAuthority, { name });
  if (ca === null) throw new NotFoundError(`no CA named ${name}`);
  return ca;
}

/**
 * The CA `name` and every CA that took over from it, oldest first. A CA that was never rotated is
 * its own lineage; the last member is the one that issues now. However often a CA was rotated, its
 * lineage is followed to the end; a successor loop (only a hand-edited table could hold one) is 409.
 */
export async function lineage(em: EntityManager, name: string): Promise<CertificateAuthority[]> {
  return await lineageFrom(em, await findCa(em, name));
}

/** The lineage of a CA already read (`lineage` without the lookup by name). */
export async function lineageFrom(em: EntityManager, first: CertificateAuthority): Promise<CertificateAuthority[]> {
  const name = first.name;
  let ca = first;
  const members = [ca];
  const seen = new Set([ca.id]);
  while (ca.successorId != null) {
    if (seen.has(ca.successorId)) throw new ConflictError(`the successors of CA ${name} loop back to an earlier one`);
    seen.add(ca.successorId);
    ca = await em.findOneOrFail(CertificateAuthority, { id: ca.successorId });
    members.push(ca);
  }
  return members;
}

/** The CA that issues for `name` now: `name` itself, or the last of its successors. */
export async function currentCa(em: EntityManager, name: string): Promise<CertificateAuthority> {
  return await currentCaFrom(em, await findCa(em, name));
}

/** The CA that issues now for a CA already read: itself, or the last of its successors. */
export async function currentCaFrom(em: EntityManager, ca: CertificateAuthority): Promise<CertificateAuthority> {
  // The lineage is never empty: its last member is the current CA.
  return (await lineageFrom(em, ca)).reduce((_older, newer) => newer);
}

/** The certificates above `ca`, nearest first, up to and including the root. */
export async function chainOf(em: EntityManager, ca: CertificateAuthority): Promise<x509.X509Certificate[]> {
  const chain: x509.X509Certificate[] = [];
  let parentId = ca.parentId;
  // A chain longer than the table is a loop, which the schema cannot store but a bug could.
  for (let depth = 0; parentId !== null && depth < 16; depth += 1) {
    const parent = await em.findOneOrFail(CertificateAuthority, { id: parentId });
    chain.push(new x509.X509Certificate(parent.certificate));
    parentId = parent.parentId;
  }
  return chain;
}

/** The open signer of the CA called `name` (404 when there is none, 409 when it is external, 503 while sealed). */
export async function openSigner(em: EntityManager, pki: PkiContext, name: string): Promise<CaSigner> {
  return await pki.signers.get(name, async () => {
    const ca = await findCa(em, name);
    if (ca.external) throw new ConflictError(`CA ${name} is held outside this service; its key is not here`);
    const keyAlgorithm = ca.keyAlgorithm as CaKeyAlgorithm;
    const privateKey = await openCaKey(pki.barrier, { id: ca.id, sealedPrivateKey: ca.sealedPrivateKey, keyAlgorithm });
    return { name, certificate: new x509.X509Certificate(ca.certificate), privateKey, keyAlgorithm, chain: await chainOf(em, ca) };
  });
}
