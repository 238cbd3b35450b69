/**
 * Orders (RFC 8555 §7.4): a new order makes one authorization per identifier and its challenges;
 * an order becomes ready when all its authorizations are valid, and finalizing a ready order with
 * a CSR naming exactly its identifiers has the CA issue the certificate.
 */
import { randomBytes } from 'node:crypto';
import { uuidv7 } from '../../template/database/index.ts';
import { x509 } from '../../template/tls/x509.ts';
import type { AcmeContext, AcmeResponse } from './context.ts';
import { resourceUrl } from './context.ts';
import { AcmeAuthorization, AcmeCertificate, AcmeChallenge, AcmeOrder } from './entities.ts';
import { csrIdentifiers, orderIdentifiers, sameIdentifiers } from './identifiers.ts';
import { verifyAccountRequest } from './jws.ts';
import { AcmeProblem } from './problems.ts';
import { certificateOfId, normalizeSerial } from './renewal-info.ts';
import { transition } from './states.ts';
import type { ChallengeType } from './validation.ts';
import { CHALLENGE_TYPES } from './validation.ts';

/** How long a new order and its authorizations stay usable. */
export const ORDER_LIFETIME_MS = 7 * 24 * 3_600_000;

/** The order as RFC 8555 §7.1.3 shows it. */
export async function orderJson(acme: AcmeContext, order: AcmeOrder): Promise<Record<string, unknown>> {
  const authorizations = await acme.em.find(AcmeAuthorization, { orderId: order.id }, { orderBy: { id: 'asc' } });
  return {
    status: order.status,
    expires: order.expiresAt.toISOString(),
    identifiers: order.identifiers,
    authorizations: authorizations.map((authorization) => resourceUrl.authorization(acme.base, authorization.id)),
    finalize: resourceUrl.finalize(acme.base, order.id),
    ...(typeof order.certificateId === 'string' ? { certificate: resourceUrl.certificate(acme.base, order.certificateId) } : {}),
    ...(order.error == null ? {} : { error: order.error }),
    ...(typeof order.replaces === 'string' ? { replaces: order.replaces } : {}),
  };
}

/** An order of the signing account, moved to invalid first if it expired unfinished. */
export async function ownOrder(acme: AcmeContext, accountId: string, id: string): Promise<AcmeOrder> {
  const order = await acme.em.findOne(AcmeOrder, { id, ca: acme.ca });
  if (order === null) {
    throw new AcmeProblem('notFound', 'no such order');
  }
  if (order.accountId !== accountId) {
    throw new AcmeProblem('unauthorized', 'the order belongs to another account');
  }
  if (order.expiresAt <= acme.now && (order.status === 'pending' || order.status === 'ready')) {
    await transition(acme.em, 'order', order.id, order.status, 'invalid');
    acme.em.clear();
    return await acme.em.findOneOrFail(AcmeOrder, { id: order.id });
  }
  return order;
}

async function orderResponse(acme: AcmeContext, order: AcmeOrder, status: number): Promise<AcmeResponse> {
  return { status, body: await orderJson(acme, order), headers: { Location: resourceUrl.order(acme.base, order.id) } };
}

/** Claims the certificate an order's `replaces` names (RFC 9773 §5): once, by its own account. */
async function claimReplaced(acme: AcmeContext, accountId: string, orderId: string, replaces: unknown): Promise<string | null> {
  if (replaces === undefined) return null;
  if (typeof replaces !== 'string') {
    throw new AcmeProblem('malformed', 'replaces must be a certID string');
  }
  const replaced = await certificateOfId(acme, replaces);
  if (replaced === undefined) {
    throw new AcmeProblem('malformed', 'replaces names no certificate issued by this CA');
  }
  if (replaced.accountId !== accountId) {
    throw new AcmeProblem('unauthorized', 'replaces names another account\'s certificate');
  }
  const claimed = await acme.em.nativeUpdate(AcmeCertificate, { id: replaced.id, replacedByOrderId: null }, { replacedByOrderId: orderId });
  if (claimed !== 1) {
    throw new AcmeProblem('alreadyReplaced', 'another order already replaces this certificate');
  }
  return replaces;
}

/** POST new-order (§7.4). */
export async function newOrder(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  const accountId = request.account.id;
  const payload = request.payload ?? {};
  const identifiers = orderIdentifiers(payload.identifiers);
  if (payload.notBefore !== undefined || payload.notAfter !== undefined) {
    throw new AcmeProblem('malformed', 'notBefore and notAfter are set by the CA\'s profile, not by the order');
  }
  const expiresAt = new Date(acme.now.getTime() + ORDER_LIFETIME_MS);
  const orderId = uuidv7();
  await acme.em.transactional(async (em) => {
    const inTransaction: AcmeContext = { ...acme, em };
    await em.insert(AcmeOrder, { id: orderId, ca: acme.ca, accountId, status: 'pending', identifiers, expiresAt, error: null, certificateId: null, replaces: null, createdAt: acme.now, updatedAt: acme.now });
    const replaces = await claimReplaced(inTransaction, accountId, orderId, payload.replaces);
    if (replaces !== null) await em.nativeUpdate(AcmeOrder, { id: orderId }, { replaces });
    for (const identifier of identifiers) {
      const authorizationId = uuidv7();
      await em.insert(AcmeAuthorization, { id: authorizationId, orderId, accountId, identifierType: identifier.type, identifierValue: identifier.value, status: 'pending', expiresAt, createdAt: acme.now, updatedAt: acme.now });
      for (const type of Object.keys(CHALLENGE_TYPES) as ChallengeType[]) {
        await em.insert(AcmeChallenge, { id: uuidv7(), authorizationId, type, token: randomBytes(32).toString('base64url'), status: 'pending', validatedAt: null, error: null, createdAt: acme.now, updatedAt: acme.now });
      }
    }
  });
  return await orderResponse(acme, await acme.em.findOneOrFail(AcmeOrder, { id: orderId }), 201);
}

/** POST-as-GET /order/<id>. */
export async function getOrder(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  return await orderResponse(acme, await ownOrder(acme, request.account.id, acme.id), 200);
}

/** Moves a pending order to ready once every one of its authorizations is valid. */
export async function readyWhenAuthorized(acme: AcmeContext, orderId: string): Promise<void> {
  const open = await acme.em.count(AcmeAuthorization, { orderId, status: { $ne: 'valid' } });
  if (open === 0) {
    await transition(acme.em, 'order', orderId, 'pending', 'ready');
  }
}

function parseCsr(value: unknown): { readonly der: Uint8Array; readonly csr: x509.Pkcs10CertificateRequest } {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]+$/.test(value)) {
    throw new AcmeProblem('malformed', 'csr must be the base64url DER of a PKCS#10 request');
  }
  const der = Buffer.from(value, 'base64url');
  try {
    return { der, csr: new x509.Pkcs10CertificateRequest(der) };
  } catch {
    throw new AcmeProblem('badCSR', 'csr is not a PKCS#10 certification request');
  }
}

/** POST /order/<id>/finalize (§7.4): the CSR must name exactly the order's identifiers. */
export async function finalizeOrder(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  const accountId = request.account.id;
  const order = await ownOrder(acme, accountId, acme.id);
  if (order.status !== 'ready') {
    throw new AcmeProblem('orderNotReady', `the order is ${order.status}, not ready`);
  }
  const { der, csr } = parseCsr(request.payload?.csr);
  if (!await csr.verify()) {
    throw new AcmeProblem('badCSR', 'the CSR signature does not verify');
  }
  if (!sameIdentifiers(csrIdentifiers(csr), order.identifiers)) {
    throw new AcmeProblem('badCSR', 'the CSR must name exactly the order\'s identifiers');
  }
  if (!await transition(acme.em, 'order', order.id, 'ready', 'processing')) {
    throw new AcmeProblem('orderNotReady', 'the order is being finalized by another request');
  }
  let issued;
  try {
    issued = await acme.deps.issue(acme.ca, der);
  } catch {
    const problem = new AcmeProblem('serverInternal', 'the CA could not issue the certificate');
    await transition(acme.em, 'order', order.id, 'processing', 'invalid', { error: problem.document() });
    throw problem;
  }
  const certificateId = uuidv7();
  await acme.em.insert(AcmeCertificate, {
    id: certificateId, ca: acme.ca, accountId, orderId: order.id, serialHex: normalizeSerial(issued.serialHex), akiHex: issued.akiHex.toLowerCase(),
    certificatePem: issued.certificatePem, chainPem: [...issued.chainPem], notBefore: issued.notBefore, notAfter: issued.notAfter,
    revokedAt: null, replacedByOrderId: null, createdAt: acme.now,
  });
  await transition(acme.em, 'order', order.id, 'processing', 'valid', { certificateId });
  acme.em.clear();
  return await orderResponse(acme, await acme.em.findOneOrFail(AcmeOrder, { id: order.id }), 200);
}
