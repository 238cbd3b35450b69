/**
 * The CA hierarchy: a self-signed root, intermediates signed by the root, issuing CAs signed by an
 * intermediate. Each new CA key makes a CSR that its CA profile plans, and the certificate goes
 * through the same signing, lint and storage as a leaf's. No CA certificate outlives its parent.
 */
import type { EntityManager } from '@mikro-orm/core';
import { BadRequestError, ConflictError } from '../template/errors/index.ts';
import { flushOrConflict, uuidv7 } from '../template/database/index.ts';
import { x509 } from '../template/tls/x509.ts';
import { signingAlgorithm, type CaKeyAlgorithm, type IssuancePlan } from './contract.ts';
import type { PkiContext } from './context.ts';
import { CaRequest, CertificateAuthority, type CaKind } from './entities.ts';
import { assertLintPasses, signPlan, storeCertificate, type SignedCertificate, type SigningKey } from './issue.ts';
import { generateCaKey } from './keys.ts';
import { certificatePem } from './pem.ts';
import { findCa, openSigner } from './signers.ts';

/** Each kind's profile and the kind its parent must be (a root has none). */
const KINDS: Readonly<Record<CaKind, { readonly profile: string; readonly parentKind?: CaKind }>> = {
  root: { profile: 'root-ca' },
  intermediate: { profile: 'intermediate-ca', parentKind: 'root' },
  issuing: { profile: 'issuing-ca', parentKind: 'intermediate' },
};

/** A CA to create. */
export interface NewCa {
  readonly name: string;
  readonly kind: CaKind;
  /** The parent's name; required except for a root. */
  readonly parent?: string;
  readonly keyAlgorithm: CaKeyAlgorithm;
  /** RFC 4514 subject text. */
  readonly subject: string;
  readonly validityDays: number;
}

/** A CA as `GET /cas` lists it. */
export interface CaView {
  readonly id: string;
  readonly name: string;
  readonly kind: CaKind;
  readonly parent: string | null;
  readonly keyAlgorithm: string;
  readonly status: string;
  /** The CA that took over issuance when this one was rotated; null until then. */
  readonly successor: string | null;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprintSha256: string;
  readonly certificate: string;
  /** Signed elsewhere and kept for the chain; this service holds no key of it. */
  readonly external: boolean;
}

/** The API shape of a CA; `parentName` and `successorName` are those CAs' names, null when none. */
export async function presentCa(ca: CertificateAuthority, parentName: string | null, successorName: string | null = null): Promise<CaView> {
  const certificate = new x509.X509Certificate(ca.certificate);
  return {
    id: ca.id,
    name: ca.name,
    kind: ca.kind,
    parent: parentName,
    keyAlgorithm: ca.keyAlgorithm,
    status: ca.status,
    successor: successorName,
    subject: certificate.subject,
    notBefore: ca.notBefore.toISOString(),
    notAfter: ca.notAfter.toISOString(),
    fingerprintSha256: Buffer.from(await certificate.getThumbprint('SHA-256')).toString('hex'),
    certificate: certificatePem(certificate),
    external: ca.external,
  };
}

/** Every CA, oldest first, in the API's shape. */
export async function listCas(em: EntityManager): Promise<CaView[]> {
  const cas = await em.find(CertificateAuthority, {}, { orderBy: { createdAt: 'asc', id: 'asc' } });
  const names = new Map(cas.map((ca) => [ca.id, ca.name]));
  return await Promise.all(cas.map((ca) => presentCa(ca, names.get(ca.parentId ?? '') ?? null, names.get(ca.successorId ?? '') ?? null)));
}

/** One CA in the API's shape (404 when unknown). */
export async function getCa(em: EntityManager, name: string): Promise<CaView> {
  const ca = await findCa(em, name);
  const nameOf = async (id: string | null | undefined): Promise<string | null> => id == null ? null : (await em.findOneOrFail(CertificateAuthority, { id })).name;
  return await presentCa(ca, await nameOf(ca.parentId), await nameOf(ca.successorId));
}

/** The CA's certificate and those above it up to the root, as PEM, nearest first. */
export async function caChainPem(em: EntityManager, name: string): Promise<string[]> {
  const chain: string[] = [];
  let ca: CertificateAuthority | null = await findCa(em, name);
  for (let depth = 0; ca !== null && depth < 16; depth += 1) {
    chain.push(certificatePem(new x509.X509Certificate(ca.certificate)));
    ca = ca.parentId === null ? null : await em.findOne(CertificateAuthority, { id: ca.parentId });
  }
  return chain;
}

/**
 * 400 for a CA name ending in `-delta`: `/pki/v1/crl/<name>-delta.crl` is the delta CRL of
 * `<name>`, so such a CA's own CRL URL (its certificates' CRL distribution point) would serve
 * another CA's delta CRL whenever `<name>` is a CA, now or later.
 */
export function assertCaName(name: string): void {
  if (name.endsWith('-delta')) throw new BadRequestError(`a CA name may not end in -delta (${name}): /pki/v1/crl/<name>-delta.crl is the delta CRL of the CA <name>`);
}

/** A CA's subject must be a non-empty RFC 4514 name of known attribute types (400 otherwise). */
export function parseSubject(subject: string): void {
  let rdns: number;
  try {
    rdns = new x509.Name(subject).toJSON().length;
  } catch {
    rdns = 0;
  }
  if (rdns === 0) throw new BadRequestError('subject is not a non-empty RFC 4514 distinguished name');
}

/** The parent's row and open signer; the parent must be of the kind `kind` hangs under. */
async function parentOf(em: EntityManager, pki: PkiContext, input: NewCa): Promise<{ readonly id: string; readonly key: SigningKey } | undefined> {
  const { parentKind } = KINDS[input.kind];
  if (parentKind === undefined) return undefined;
  if (input.parent === undefined) throw new BadRequestError(`an ${input.kind} CA needs a parent`);
  const parent = await findCa(em, input.parent);
  if (parent.kind !== parentKind) throw new BadRequestError(`parent ${input.parent} is a ${parent.kind} CA; an ${input.kind} CA hangs under an ${parentKind} CA`);
  if (parent.status !== 'active') throw new ConflictError(`parent ${input.parent} is ${parent.status}`);
  return { id: parent.id, key: await openSigner(em, pki, input.parent) };
}

/** A CA certificate signed and linted, with its sealed key, not yet stored. */
export interface PreparedCa {
  readonly id: string;
  readonly input: NewCa;
  readonly parentId: string | null;
  readonly sealedPrivateKey: Buffer;
  readonly plan: IssuancePlan;
  readonly signed: SignedCertificate;
  readonly now: Date;
}

/**
 * The slow half of making a CA, outside any transaction: a new sealed key, a CSR of it planned by
 * the kind's profile, the certificate signed by the parent (or itself) and linted.
 */
export async function prepareCa(em: EntityManager, pki: PkiContext, input: NewCa): Promise<PreparedCa> {
  assertCaName(input.name);
  parseSubject(input.subject);
  if (await em.count(CertificateAuthority, { name: input.name }) > 0) throw new ConflictError(`a CA named ${input.name} exists`);
  // A pending request's name is promised to the CA it becomes: taking it would strand the request.
  if (await em.count(CaRequest, { name: input.name }) > 0) throw new ConflictError(`a CA request named ${input.name} is pending`);
  const parent = await parentOf(em, pki, input);
  const id = uuidv7();
  const key = await generateCaKey(pki.barrier, input.keyAlgorithm, id);
  const algorithm = signingAlgorithm(input.keyAlgorithm);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: input.subject,
    keys: { publicKey: key.publicKey, privateKey: key.privateKey },
    signingAlgorithm: algorithm,
  });
  const { catalog, lint } = await pki.rules();
  const plan = await catalog.plan(KINDS[input.kind].profile, { csr, validityDays: input.validityDays });
  if (plan.ca === undefined) throw new BadRequestError(`profile ${plan.profile} does not make CA certificates`);
  const issuer: SigningKey = parent?.key ?? { name: input.name, privateKey: key.privateKey, keyAlgorithm: input.keyAlgorithm };
  const now = pki.now();
  const signed = await signPlan(plan, csr.publicKey, issuer, now, pki.publicUrl());
  assertLintPasses(lint, signed.certificate, issuer.certificate ?? signed.certificate, plan);
  return { id, input, parentId: parent?.id ?? null, sealedPrivateKey: key.sealed, plan, signed, now };
}

/**
 * Stores a prepared CA's row and its certificate's row in `tx`, whose transaction the caller
 * owns. A taken name is 409.
 */
export async function storeCa(tx: EntityManager, prepared: PreparedCa): Promise<CertificateAuthority> {
  const { id, input, signed, now } = prepared;
  const ca = tx.create(CertificateAuthority, {
    id,
    name: input.name,
    kind: input.kind,
    parentId: prepared.parentId,
    keyAlgorithm: input.keyAlgorithm,
    certificate: Buffer.from(signed.certificate.rawData),
    sealedPrivateKey: prepared.sealedPrivateKey,
    status: 'active',
    successorId: null,
    notBefore: signed.certificate.notBefore,
    notAfter: signed.certificate.notAfter,
    createdAt: now,
  });
  // The CA row first: a root's own certificate row refers to it.
  await flushOrConflict(tx, `a CA named ${input.name} exists`);
  storeCertificate(tx, prepared.parentId ?? id, prepared.plan, signed, now);
  await tx.flush();
  return ca;
}

/** Creates a CA (`prepareCa`, then `storeCa` in one transaction). */
export async function createCa(em: EntityManager, pki: PkiContext, input: NewCa): Promise<CertificateAuthority> {
  const prepared = await prepareCa(em, pki, input);
  return await em.transactional((tx) => storeCa(tx, prepared));
}

/** The body of `POST /cas`, validated by the document. */
export interface IssuingCaInput {
  readonly name: string;
  readonly parent?: string;
  readonly keyAlgorithm?: CaKeyAlgorithm;
  readonly subject?: string;
  readonly validityDays?: number;
}

/** `POST /cas`: a new issuing CA under an intermediate (`intermediate` unless named). */
export async function createIssuingCa(em: EntityManager, pki: PkiContext, input: IssuingCaInput): Promise<CaView> {
  const ca = await createCa(em, pki, {
    name: input.name,
    kind: 'issuing',
    parent: input.parent ?? 'intermediate',
    keyAlgorithm: input.keyAlgorithm ?? pki.config.bootstrapKeyAlgorithm,
    subject: input.subject ?? `CN=Issuing CA ${input.name},${pki.config.bootstrapSubject}`,
    validityDays: input.validityDays ?? pki.config.issuingValidityDays,
  });
  return await presentCa(ca, input.parent ?? 'intermediate');
}

/** Creates the CA unless one of that name exists (also when another process just created it). */
async function ensureCa(em: EntityManager, pki: PkiContext, input: NewCa): Promise<void> {
  if (await em.count(CertificateAuthority, { name: input.name }) > 0) return;
  try {
    await createCa(em, pki, input);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}

/** The names of the CAs bootstrap creates. */
export const BOOTSTRAP_NAMES = { root: 'root', intermediate: 'intermediate', issuing: 'default' } as const;

/**
 * Creates `root`, `intermediate` and `default` where missing. Idempotent, and safe with two
 * processes racing: the unique name lets one win each step and the other use the winner's CA.
 */
export async function bootstrapHierarchy(fork: () => EntityManager, pki: PkiContext): Promise<void> {
  const { bootstrapKeyAlgorithm: keyAlgorithm, bootstrapSubject: suffix } = pki.config;
  await ensureCa(fork(), pki, { name: BOOTSTRAP_NAMES.root, kind: 'root', keyAlgorithm, subject: pki.config.rootSubject === '' ? `CN=Root CA,${suffix}` : pki.config.rootSubject, validityDays: pki.config.rootValidityDays });
  await ensureCa(fork(), pki, { name: BOOTSTRAP_NAMES.intermediate, kind: 'intermediate', parent: BOOTSTRAP_NAMES.root, keyAlgorithm, subject: `CN=Intermediate CA,${suffix}`, validityDays: pki.config.intermediateValidityDays });
  await ensureCa(fork(), pki, { name: BOOTSTRAP_NAMES.issuing, kind: 'issuing', parent: BOOTSTRAP_NAMES.intermediate, keyAlgorithm, subject: `CN=Issuing CA default,${suffix}`, validityDays: pki.config.issuingValidityDays });
}
