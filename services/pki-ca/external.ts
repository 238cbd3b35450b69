/**
 * An external root: a CA whose key is made and sealed here but whose certificate a CA outside this
 * service signs (CSR out, certificate in). The request's key is sealed with the AAD of the CA row
 * it becomes, so installing moves it unchanged. The certificate that comes back must hold that key,
 * be a CA certificate fit for the kind, be valid now and chain by signatures to a self-signed root;
 * the chain's CAs are stored as external rows, which have no key and so never sign anything here.
 */
import type { EntityManager } from '@mikro-orm/core';
import { BadRequestError, ConflictError, NotFoundError } from '../template/errors/index.ts';
import { flushOrConflict, uuidv7 } from '../template/database/index.ts';
import { x509 } from '../template/tls/x509.ts';
import { signingAlgorithm, type CaKeyAlgorithm } from './contract.ts';
import type { PkiContext } from './context.ts';
import { CaRequest, CertificateAuthority, type CaKind } from './entities.ts';
import { assertCaName, parseSubject, presentCa, type CaView } from './hierarchy.ts';
import { BACKDATE_MS } from './issue.ts';
import { generateCaKey } from './keys.ts';

/** The kinds a request may make: a root is by definition not signed elsewhere. */
export type CaRequestKind = Exclude<CaKind, 'root'>;

/** The body of `POST /ca-requests`, validated by the document. */
export interface CaRequestInput {
  readonly name: string;
  readonly kind?: CaRequestKind;
  readonly keyAlgorithm?: CaKeyAlgorithm;
  /** RFC 4514 subject text. */
  readonly subject: string;
}

/** A pending request as `GET /ca-requests` lists it. */
export interface CaRequestSummary {
  readonly name: string;
  readonly kind: CaRequestKind;
  readonly keyAlgorithm: string;
  readonly subject: string;
  readonly createdAt: string;
}

/** A pending request with its CSR (PEM), for the external CA to sign. */
export interface CaRequestView extends CaRequestSummary {
  readonly csr: string;
}

/** The body of `POST /ca-requests/{name}/certificate`. */
export interface CaCertificateInput {
  /** PEM of the certificate the external CA signed. */
  readonly certificate: string;
  /** PEM: its issuer's certificate, then each one above it up to and including a self-signed root. */
  readonly chain: string;
}

/**
 * Non-self-issued CA certificates each kind needs below it (RFC 5280 §4.2.1.9): an intermediate
 * signs issuing CAs, an issuing CA only leaves.
 */
const CAS_BELOW: Readonly<Record<CaRequestKind, number>> = { intermediate: 1, issuing: 0 };

/** How many certificates a chain may hold, which also bounds the rows one install stores. */
const MAX_CHAIN = 8;

function summary(row: CaRequest): CaRequestSummary {
  return { name: row.name, kind: row.kind, keyAlgorithm: row.keyAlgorithm, subject: row.subject, createdAt: row.createdAt.toISOString() };
}

function view(row: CaRequest): CaRequestView {
  return { ...summary(row), csr: new x509.Pkcs10CertificateRequest(row.csr).toString('pem') };
}

async function findRequest(em: EntityManager, name: string): Promise<CaRequest> {
  const row = await em.findOne(CaRequest, { name });
  if (row === null) throw new NotFoundError(`no pending CA request named ${name}`);
  return row;
}

/**
 * `POST /ca-requests`: a new CA key sealed under the barrier exactly as a CA's (the same row id and
 * AAD), its CSR, and the pending request. A name taken by a CA or a request is 409.
 */
export async function createCaRequest(em: EntityManager, pki: PkiContext, input: CaRequestInput): Promise<CaRequestView> {
  assertCaName(input.name);
  parseSubject(input.subject);
  if (await em.count(CertificateAuthority, { name: input.name }) > 0) throw new ConflictError(`a CA named ${input.name} exists`);
  const keyAlgorithm = input.keyAlgorithm ?? pki.config.bootstrapKeyAlgorithm;
  const id = uuidv7();
  const key = await generateCaKey(pki.barrier, keyAlgorithm, id);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: input.subject,
    keys: { publicKey: key.publicKey, privateKey: key.privateKey },
    signingAlgorithm: signingAlgorithm(keyAlgorithm),
  });
  const row = em.create(CaRequest, {
    id,
    name: input.name,
    kind: input.kind ?? 'intermediate',
    keyAlgorithm,
    subject: csr.subject,
    csr: Buffer.from(csr.rawData),
    sealedPrivateKey: key.sealed,
    createdAt: pki.now(),
  });
  await flushOrConflict(em, `a CA request named ${input.name} exists`);
  return view(row);
}

/** `GET /ca-requests`: every pending request, oldest first. */
export async function listCaRequests(em: EntityManager): Promise<CaRequestSummary[]> {
  return (await em.find(CaRequest, {}, { orderBy: { createdAt: 'asc', id: 'asc' } })).map(summary);
}

/** `GET /ca-requests/{name}`: one pending request with its CSR (404 when unknown). */
export async function getCaRequest(em: EntityManager, name: string): Promise<CaRequestView> {
  return view(await findRequest(em, name));
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every PEM certificate of `text`, in order; 400 naming `field` when there is none or one does not parse. */
export function parsePemCertificates(text: string, field: string): x509.X509Certificate[] {
  const blocks = text.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new BadRequestError(`${field} holds no PEM certificate`);
  return blocks.map((block, index) => {
    try {
      return new x509.X509Certificate(block);
    } catch {
      throw new BadRequestError(`${field}: certificate ${String(index + 1)} does not parse`);
    }
  });
}

/** Why `certificate` cannot sign certificates (RFC 5280 §4.2.1.3, §4.2.1.9), or undefined when it can. */
function notACa(certificate: x509.X509Certificate, strict: boolean): string | undefined {
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (constraints?.ca !== true) return 'is not a CA certificate (basicConstraints cA is not true)';
  if (strict && !constraints.critical) return 'has a basicConstraints extension that is not critical';
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  const needed = strict ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.keyCertSign;
  // A CA certificate of the chain may leave keyUsage out (RFC 5280 §6.1.4 (n)); the one installed may not.
  if ((usage === null && strict) || (usage !== null && (usage.usages & needed) !== needed)) return strict ? 'lacks keyUsage keyCertSign and cRLSign' : 'lacks keyUsage keyCertSign';
  return undefined;
}

/** 400 unless `certificate` is a CA certificate that allows `below` more CA certificates under it, valid at `now`. */
function assertCaCertificate(certificate: x509.X509Certificate, label: string, below: number, now: Date, strict: boolean): void {
  const problem = notACa(certificate, strict);
  if (problem !== undefined) throw new BadRequestError(`${label} (${certificate.subject}) ${problem}`);
  const pathLength = certificate.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  if (pathLength !== undefined && pathLength < below) throw new BadRequestError(`${label} (${certificate.subject}) has pathLenConstraint ${String(pathLength)}; ${String(below)} CA certificate(s) must be allowed below it`);
  // The external CA's clock may run a little ahead of ours, as relying parties' clocks may (BACKDATE_MS).
  if (certificate.notBefore.getTime() > now.getTime() + BACKDATE_MS || certificate.notAfter.getTime() <= now.getTime()) {
    throw new BadRequestError(`${label} (${certificate.subject}) is not valid now (${certificate.notBefore.toISOString()} to ${certificate.notAfter.toISOString()})`);
  }
}

const NAME_CONSTRAINTS = '2.5.29.30';

/**
 * The extensions this service understands when it chains to or signs under a certificate: basic
 * constraints, key usage, extended key usage, subject alternative name, key identifiers and
 * certificate policies. Name constraints are refused on their own, with their own message.
 */
const UNDERSTOOD_EXTENSIONS = new Set(['2.5.29.19', '2.5.29.15', '2.5.29.37', '2.5.29.17', '2.5.29.14', '2.5.29.35', '2.5.29.32', NAME_CONSTRAINTS]);

/**
 * 400 when a certificate of the path carries a critical extension this service does not understand:
 * RFC 5280 §4.2 says a certificate system must then reject the certificate, since the extension may
 * restrict what the CA may do in a way issuance here would ignore.
 */
function assertNoUnknownCritical(path: readonly x509.X509Certificate[]): void {
  for (const certificate of path) {
    const unknown = certificate.extensions.find((extension) => extension.critical && !UNDERSTOOD_EXTENSIONS.has(extension.type));
    if (unknown !== undefined) throw new BadRequestError(`${certificate.subject} has a critical extension ${unknown.type} that this service does not understand`);
  }
}

/**
 * 400 when a certificate of the path constrains names (RFC 5280 §4.2.1.10): issuance here does
 * not check names against constraints set above the CA, so it would sign certificates that
 * escape them.
 */
function assertNoNameConstraints(path: readonly x509.X509Certificate[]): void {
  const constrained = path.find((certificate) => certificate.getExtension(NAME_CONSTRAINTS) !== null);
  if (constrained !== undefined) throw new BadRequestError(`${constrained.subject} has a nameConstraints extension; CAs under name constraints are not supported, since issuance here does not enforce them`);
}

/** 400 unless each certificate was issued and signed by the next chain certificate, and the last is a self-signed root. */
async function assertChainLinks(certificate: x509.X509Certificate, chain: readonly x509.X509Certificate[]): Promise<void> {
  let child = certificate;
  for (const [index, issuer] of chain.entries()) {
    const label = `chain certificate ${String(index + 1)}`;
    if (child.issuer !== issuer.subject) throw new BadRequestError(`${label} (${issuer.subject}) is not the issuer of ${child.subject} (issued by ${child.issuer})`);
    if (!await child.verify({ publicKey: issuer.publicKey, signatureOnly: true })) throw new BadRequestError(`the signature of ${child.subject} does not verify with the key of ${label}`);
    child = issuer;
  }
  if (child.issuer !== child.subject || !await child.isSelfSigned()) throw new BadRequestError(`the chain does not end at a self-signed root (${child.subject} is issued by ${child.issuer})`);
}

/** The certificate and its chain, checked against the request at `now` (400 naming the first thing wrong). */
async function checkedPath(request: CaRequest, input: CaCertificateInput, now: Date): Promise<x509.X509Certificate[]> {
  const [certificate, ...extra] = parsePemCertificates(input.certificate, 'certificate') as [x509.X509Certificate, ...x509.X509Certificate[]];
  if (extra.length > 0) throw new BadRequestError('certificate holds more than one certificate; put the issuer\'s in chain');
  const chain = parsePemCertificates(input.chain, 'chain');
  if (chain.length > MAX_CHAIN) throw new BadRequestError(`chain holds more than ${String(MAX_CHAIN)} certificates`);
  const csr = new x509.Pkcs10CertificateRequest(request.csr);
  if (!Buffer.from(certificate.publicKey.rawData).equals(Buffer.from(csr.publicKey.rawData))) throw new BadRequestError(`certificate does not hold the key of CA request ${request.name}`);
  // The external CA must certify the name that was asked for: a CA installed under another name
  // would issue with an issuer nobody reviewed.
  if (certificate.subject !== csr.subject) throw new BadRequestError(`certificate names ${certificate.subject}; CA request ${request.name} asked for ${csr.subject}`);
  const below = CAS_BELOW[request.kind];
  assertCaCertificate(certificate, 'certificate', below, now, true);
  chain.forEach((issuer, index) => { assertCaCertificate(issuer, `chain certificate ${String(index + 1)}`, below + index + 1, now, false); });
  assertNoNameConstraints([certificate, ...chain]);
  assertNoUnknownCritical([certificate, ...chain]);
  await assertChainLinks(certificate, chain);
  return [certificate, ...chain];
}

/** A key's name as `keyAlgorithm` shows it: ours where it is one of them, else the family and size. */
export function describeKey(publicKey: x509.PublicKey): string {
  const algorithm = publicKey.algorithm as { readonly name: string; readonly namedCurve?: string; readonly modulusLength?: number };
  if (algorithm.namedCurve !== undefined) return { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' }[algorithm.namedCurve] ?? algorithm.namedCurve;
  if (algorithm.modulusLength !== undefined) return `RSA-${String(algorithm.modulusLength)}`;
  return algorithm.name;
}

/** One external chain certificate: the stored row with the same DER, or a new row under `parent`. */
function externalRow(tx: EntityManager, existing: readonly CertificateAuthority[], certificate: x509.X509Certificate, row: { readonly name: string; readonly parent?: CertificateAuthority; readonly now: Date }): CertificateAuthority {
  const der = Buffer.from(certificate.rawData);
  return existing.find((ca) => Buffer.from(ca.certificate).equals(der)) ?? tx.create(CertificateAuthority, {
    id: uuidv7(),
    name: row.name,
    kind: row.parent === undefined ? 'root' : 'intermediate',
    parentId: row.parent?.id ?? null,
    keyAlgorithm: describeKey(certificate.publicKey),
    certificate: der,
    // No key is held here: openSigner refuses the row.
    sealedPrivateKey: Buffer.alloc(0),
    status: 'active',
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    createdAt: row.now,
    external: true,
  });
}

/**
 * Stores the root and then the chain certificates below it, root side first, as external CA rows,
 * reusing a row that holds the same DER; returns the issuer's row. The root is named `root` unless
 * that is taken, then `<name>-root`; the others `<name>-issuer-<n>`, n counting up from the issuer.
 */
async function storeChain(tx: EntityManager, name: string, now: Date, [root, ...downward]: readonly [x509.X509Certificate, ...x509.X509Certificate[]]): Promise<CertificateAuthority> {
  const existing = await tx.find(CertificateAuthority, {});
  let parent = externalRow(tx, existing, root, { name: existing.some((ca) => ca.name === 'root') ? `${name}-root` : 'root', now });
  await flushOrConflict(tx, `a CA named ${parent.name} exists`);
  for (const [index, certificate] of downward.entries()) {
    // Parents first: each row refers to the one above it.
    parent = externalRow(tx, existing, certificate, { name: `${name}-issuer-${String(downward.length - index)}`, parent, now });
    await flushOrConflict(tx, `a CA named ${parent.name} exists`);
  }
  return parent;
}

/**
 * `POST /ca-requests/{name}/certificate`: checks the certificate and chain, then in one transaction
 * stores the chain's external rows, the new CA (the request's id and sealed key) and deletes the
 * request. The request's deletion decides a race: of two installs of one request, one succeeds.
 */
export async function installCaCertificate(em: EntityManager, pki: PkiContext, name: string, input: CaCertificateInput): Promise<CaView> {
  const request = await findRequest(em, name);
  const now = pki.now();
  const [certificate, ...chain] = await checkedPath(request, input, now) as [x509.X509Certificate, ...x509.X509Certificate[]];
  return await em.transactional(async (tx) => {
    if (await tx.nativeDelete(CaRequest, { id: request.id }) === 0) throw new ConflictError(`CA request ${name} was installed meanwhile`);
    const parent = await storeChain(tx, name, now, chain.reverse() as [x509.X509Certificate, ...x509.X509Certificate[]]);
    const ca = tx.create(CertificateAuthority, {
      id: request.id,
      name,
      kind: request.kind,
      parentId: parent.id,
      keyAlgorithm: request.keyAlgorithm,
      certificate: Buffer.from(certificate.rawData),
      sealedPrivateKey: request.sealedPrivateKey,
      status: 'active',
      notBefore: certificate.notBefore,
      notAfter: certificate.notAfter,
      createdAt: now,
    });
    await flushOrConflict(tx, `a CA named ${name} exists`);
    return await presentCa(ca, parent.name);
  });
}
