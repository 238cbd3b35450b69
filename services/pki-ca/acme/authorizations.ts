/**
 * Authorizations and challenges (RFC 8555 §7.5). Responding to a challenge runs its validation in
 * the request, bounded by the validator's timeout, and answers with the result: no background work
 * and no replica affinity, and a client polling the challenge or its authorization sees the same.
 */
import { calculateJwkThumbprint } from 'jose';
import type { AcmeContext, AcmeResponse } from './context.ts';
import { resourceUrl } from './context.ts';
import { AcmeAuthorization, AcmeChallenge } from './entities.ts';
import type { AcmeAccount } from './entities.ts';
import { verifyAccountRequest } from './jws.ts';
import { readyWhenAuthorized } from './orders.ts';
import { AcmeProblem } from './problems.ts';
import { transition } from './states.ts';
import { CHALLENGE_TYPES } from './validation.ts';

function challengeJson(acme: AcmeContext, challenge: AcmeChallenge): Record<string, unknown> {
  return {
    type: challenge.type,
    url: resourceUrl.challenge(acme.base, challenge.id),
    status: challenge.status,
    token: challenge.token,
    ...(challenge.validatedAt instanceof Date ? { validated: challenge.validatedAt.toISOString() } : {}),
    ...(challenge.error == null ? {} : { error: challenge.error }),
  };
}

/** The authorization as RFC 8555 §7.1.4 shows it; a pending one past its expiry reads expired. */
async function authorizationJson(acme: AcmeContext, authorization: AcmeAuthorization): Promise<Record<string, unknown>> {
  const challenges = await acme.em.find(AcmeChallenge, { authorizationId: authorization.id }, { orderBy: { type: 'asc' } });
  const expired = authorization.status === 'pending' && authorization.expiresAt <= acme.now;
  return {
    identifier: { type: authorization.identifierType, value: authorization.identifierValue },
    status: expired ? 'expired' : authorization.status,
    expires: authorization.expiresAt.toISOString(),
    challenges: challenges.map((challenge) => challengeJson(acme, challenge)),
  };
}

async function ownAuthorization(acme: AcmeContext, account: AcmeAccount, id: string): Promise<AcmeAuthorization> {
  const authorization = await acme.em.findOne(AcmeAuthorization, { id });
  if (authorization === null) {
    throw new AcmeProblem('notFound', 'no such authorization');
  }
  if (authorization.accountId !== account.id) {
    throw new AcmeProblem('unauthorized', 'the authorization belongs to another account');
  }
  return authorization;
}

/** POST /authz/<id>: read it (POST-as-GET) or deactivate it (§7.5.2). */
export async function authorization(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  let row = await ownAuthorization(acme, request.account, acme.id);
  if (request.payload !== undefined) {
    if (request.payload.status !== 'deactivated') {
      throw new AcmeProblem('malformed', 'an authorization\'s status can only be set to deactivated');
    }
    if (!await transition(acme.em, 'authorization', row.id, 'pending', 'deactivated') && !await transition(acme.em, 'authorization', row.id, 'valid', 'deactivated')) {
      throw new AcmeProblem('malformed', `a ${row.status} authorization cannot be deactivated`);
    }
    acme.em.clear();
    row = await acme.em.findOneOrFail(AcmeAuthorization, { id: row.id });
  }
  return { status: 200, body: await authorizationJson(acme, row) };
}

/** Validates a challenge this request claimed and records the outcome on it and its parents. */
async function validate(acme: AcmeContext, account: AcmeAccount, authorization: AcmeAuthorization, challenge: AcmeChallenge): Promise<void> {
  const keyAuthorization = `${challenge.token}.${await calculateJwkThumbprint(account.jwk)}`;
  const { port, validate: check } = CHALLENGE_TYPES[challenge.type];
  try {
    await check({
      identifier: { type: authorization.identifierType, value: authorization.identifierValue },
      token: challenge.token,
      keyAuthorization,
      address: acme.deps.resolve?.(authorization.identifierValue) ?? authorization.identifierValue,
      port: acme.deps.challengePorts[port],
    });
  } catch (error) {
    // validators report every failure as an AcmeProblem (validation.ts)
    const problem = error as AcmeProblem;
    await transition(acme.em, 'challenge', challenge.id, 'processing', 'invalid', { error: problem.document() });
    // RFC 8555 §7.1.6: a failed challenge invalidates its authorization and the order
    await transition(acme.em, 'authorization', authorization.id, 'pending', 'invalid');
    await transition(acme.em, 'order', authorization.orderId, 'pending', 'invalid', { error: problem.document() });
    return;
  }
  await transition(acme.em, 'challenge', challenge.id, 'processing', 'valid', { validatedAt: acme.now });
  if (await transition(acme.em, 'authorization', authorization.id, 'pending', 'valid')) {
    await readyWhenAuthorized(acme, authorization.orderId);
  }
}

/** POST /chall/<id>: `{}` starts the validation (§7.5.1); an empty payload reads the challenge. */
export async function challenge(acme: AcmeContext): Promise<AcmeResponse> {
  const request = await verifyAccountRequest(acme);
  const row = await acme.em.findOne(AcmeChallenge, { id: acme.id });
  if (row === null) {
    throw new AcmeProblem('notFound', 'no such challenge');
  }
  const parent = await ownAuthorization(acme, request.account, row.authorizationId);
  const account = request.account;
  if (request.payload !== undefined && parent.status === 'pending' && parent.expiresAt > acme.now) {
    // the one request whose guarded update claims the challenge validates it; others read the result
    if (await transition(acme.em, 'challenge', row.id, 'pending', 'processing')) {
      await validate(acme, account, parent, row);
    }
  }
  acme.em.clear();
  const current = await acme.em.findOneOrFail(AcmeChallenge, { id: row.id });
  return { status: 200, body: challengeJson(acme, current), headers: { Link: `<${resourceUrl.authorization(acme.base, parent.id)}>;rel="up"` } };
}
