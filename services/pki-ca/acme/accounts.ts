/**
 * Accounts (RFC 8555 §7.3): creating one (or finding it by key), reading and updating it,
 * deactivating it, listing its orders, and rolling its key over (§7.3.5).
 */
import { calculateJwkThumbprint } from 'jose';
import { isUniqueViolation, uuidv7 } from '../../template/database/index.ts';
import type { AcmeContext, AcmeResponse } from './context.ts';
import { resourceUrl } from './context.ts';
import { verifyExternalBinding } from './eab.ts';
import { AcmeAccount, AcmeOrder } from './entities.ts';
import { flattenedJws, jsonPayload, protectedHeader, publicKey, sameKey, verifyAccountRequest, verifyRequest, verifySignature } from './jws.ts';
import { AcmeProblem } from './problems.ts';
import { transition } from './states.ts';

/** The account as RFC 8555 §7.1.2 shows it. */
export function accountJson(acme: AcmeContext, account: AcmeAccount): Record<string, unknown> {
  return {
    status: account.status,
    contact: account.contact,
    termsOfServiceAgreed: account.termsOfServiceAgreed,
    orders: resourceUrl.orders(acme.base, account.id),
  };
}

/** RFC 8555 §7.3: contacts are `mailto:` URLs with one address and no header fields. */
function contacts(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new AcmeProblem('invalidContact', 'contact must be an array of URLs');
  }
  for (const contact of value) {
    if (!contact.startsWith('mailto:')) {
      throw new AcmeProblem('unsupportedContact', 'only mailto: contacts are supported');
    }
    if (!/^mailto:[^@,?\s]+@[^@,?\s]+$/.test(contact)) {
      throw new AcmeProblem('invalidContact', 'a mailto: contact must hold one address and no header fields');
    }
  }
  return value;
}

function accountResponse(acme: AcmeContext, account: AcmeAccount, status: number): AcmeResponse {
  return { status, body: accountJson(acme, account), headers: { Location: resourceUrl.account(acme.base, account.id) } };
}

/** POST new-account: returns the key's account (200) or creates it (201). */
export async function newAccount(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyRequest(acme, acme.body, 'jwk');
  const payload = request.payload ?? {};
  const thumbprint = await calculateJwkThumbprint(request.jwk);
  const existing = await acme.em.findOne(AcmeAccount, { ca: acme.ca, thumbprint });
  if (existing !== null) {
    return accountResponse(acme, existing, 200);
  }
  if (payload.onlyReturnExisting === true) {
    throw new AcmeProblem('accountDoesNotExist', 'no account exists for this key');
  }
  const contact = contacts(payload.contact);
  let eabKeyId: string | null = null;
  if (payload.externalAccountBinding !== undefined) {
    eabKeyId = await verifyExternalBinding(acme, payload.externalAccountBinding, request.jwk);
  } else if (acme.deps.requiresEab(acme.ca)) {
    throw new AcmeProblem('externalAccountRequired', 'this CA requires an externalAccountBinding');
  }
  const row = { id: uuidv7(), ca: acme.ca, jwk: request.jwk, thumbprint, status: 'valid' as const, contact, termsOfServiceAgreed: payload.termsOfServiceAgreed === true, eabKeyId, createdAt: acme.now, updatedAt: acme.now };
  try {
    await acme.em.insert(AcmeAccount, row);
  } catch (error) {
    // a concurrent request created the account for the same key: answer with that one
    if (!isUniqueViolation(error)) throw error;
    const winner = await acme.em.findOneOrFail(AcmeAccount, { ca: acme.ca, thumbprint });
    return accountResponse(acme, winner, 200);
  }
  return accountResponse(acme, await acme.em.findOneOrFail(AcmeAccount, { id: row.id }), 201);
}

/** The account a `kid`-signed request to `/acct/<id>…` may act on: only its own. */
function ownAccount(acme: AcmeContext, account: AcmeAccount): AcmeAccount {
  if (account.id !== acme.id) {
    throw new AcmeProblem('unauthorized', 'an account can only be read or changed with its own key');
  }
  return account;
}

/** POST /acct/<id>: read (POST-as-GET), update contacts, or deactivate (§7.3.2, §7.3.6). */
export async function updateAccount(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  const account = ownAccount(acme, request.account);
  const payload = request.payload ?? {};
  if (payload.status !== undefined) {
    if (payload.status !== 'deactivated') {
      throw new AcmeProblem('malformed', 'an account\'s status can only be set to deactivated');
    }
    await transition(acme.em, 'account', account.id, 'valid', 'deactivated');
  }
  if (payload.contact !== undefined) {
    await acme.em.nativeUpdate(AcmeAccount, { id: account.id }, { contact: contacts(payload.contact), updatedAt: acme.now });
  }
  if (payload.termsOfServiceAgreed === true) {
    await acme.em.nativeUpdate(AcmeAccount, { id: account.id }, { termsOfServiceAgreed: true, updatedAt: acme.now });
  }
  acme.em.clear();
  return accountResponse(acme, await acme.em.findOneOrFail(AcmeAccount, { id: account.id }), 200);
}

/** POST-as-GET /acct/<id>/orders: the account's orders (§7.1.2.1), newest first. */
export async function accountOrders(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  const account = ownAccount(acme, request.account);
  const orders = await acme.em.find(AcmeOrder, { accountId: account.id, status: { $in: ['pending', 'ready', 'processing', 'valid'] } }, { orderBy: { id: 'desc' }, limit: 1000 });
  return { status: 200, body: { orders: orders.map((order) => resourceUrl.order(acme.base, order.id)) } };
}

/** POST key-change (§7.3.5): the outer JWS by the account key, the inner one by the new key. */
export async function keyChange(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  const account = request.account;
  const inner = flattenedJws(request.payload, 'key change');
  const header = protectedHeader(inner, 'key change');
  if (typeof header.alg !== 'string' || header.jwk === undefined || header.kid !== undefined || header.nonce !== undefined || header.url !== acme.url) {
    throw new AcmeProblem('malformed', 'the inner JWS must carry alg, jwk and the outer url, and no kid or nonce');
  }
  const { jwk, key } = await publicKey(header.jwk, header.alg);
  const change = jsonPayload(await verifySignature(inner, key, header.alg, 'key change'), 'key change') ?? {};
  if (change.account !== resourceUrl.account(acme.base, account.id)) {
    throw new AcmeProblem('malformed', 'the inner payload must name the signing account');
  }
  if (!await sameKey(change.oldKey, account.jwk)) {
    throw new AcmeProblem('malformed', 'oldKey is not the account\'s current key');
  }
  const thumbprint = await calculateJwkThumbprint(jwk);
  try {
    await acme.em.nativeUpdate(AcmeAccount, { id: account.id, thumbprint: account.thumbprint }, { jwk, thumbprint, updatedAt: acme.now });
  } catch (error) {
    // the unique (ca, thumbprint) key decides, also between two concurrent changes to the same key
    if (!isUniqueViolation(error)) throw error;
    const holder = await acme.em.findOneOrFail(AcmeAccount, { ca: acme.ca, thumbprint });
    throw new AcmeProblem('malformed', 'the new key already belongs to an account', { status: 409, headers: { Location: resourceUrl.account(acme.base, holder.id) } });
  }
  acme.em.clear();
  return accountResponse(acme, await acme.em.findOneOrFail(AcmeAccount, { id: account.id }), 200);
}
