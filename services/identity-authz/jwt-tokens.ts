/**
 * Introspection (RFC 7662) and revocation (RFC 7009) of our own JWT access tokens. oidc-provider
 * answers `unsupported_token_type` for structured tokens, by design; it does so only after it has
 * authenticated the client, so at that point we verify the JWT ourselves: a valid one of ours is
 * `active` with its claims unless its `jti` is on the revocation list, which revocation writes, its
 * account or client was revoked after it was issued (revocation.ts), or
 * the caller may not see it (`mayIntrospect`, the rule the library applies to opaque tokens).
 * Opaque and refresh tokens never reach this code: the library answers for them.
 */
// @mikro-orm/sql holds this; both driver packages re-export it and only they are dependencies.
import type { SqlEntityManager as EntityManager } from '@mikro-orm/postgresql';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { insertOnce, RevokedToken } from './entities.ts';
import { mayIntrospect } from './provider.ts';
import { issuedBeforeRevocation } from './revocation.ts';

export interface JwtTokenOptions {
  readonly issuer: string;
  /** The public keys we sign with, retired ones included. */
  readonly jwks: () => JSONWebKeySet;
  readonly fork: () => EntityManager;
  readonly clockSkewSeconds: number;
}

/** The claims of a token we issued that is still valid, or undefined for anything else. */
async function verifyOwnToken(token: string, options: JwtTokenOptions): Promise<JWTPayload | undefined> {
  // A token that fails any check (malformed, foreign, expired) is simply not one of ours.
  return jwtVerify(token, createLocalJWKSet(options.jwks()), {
    issuer: options.issuer,
    typ: 'at+jwt',
    clockTolerance: options.clockSkewSeconds,
    requiredClaims: ['jti', 'exp', 'client_id'],
  }).then(({ payload }) => payload, () => undefined);
}

function isStructuredTokenRefusal(ctx: KoaContextWithOIDC): boolean {
  const body = ctx.body as { error?: unknown } | undefined;
  return ctx.status === 400 && body?.error === 'unsupported_token_type';
}

/** On the revocation list, or issued before its account or client was revoked (revocation.ts). */
async function isRevoked(em: EntityManager, claims: JWTPayload): Promise<boolean> {
  return (await em.count(RevokedToken, { jti: String(claims.jti) })) > 0 || await issuedBeforeRevocation(em, claims);
}

async function introspect(ctx: KoaContextWithOIDC, token: string, options: JwtTokenOptions): Promise<void> {
  const claims = await verifyOwnToken(token, options);
  ctx.status = 200;
  // The client is authenticated here (see the file comment); another client's token is not disclosed.
  if (claims === undefined || !mayIntrospect(ctx.oidc.client, claims.client_id) || await isRevoked(options.fork(), claims)) {
    ctx.body = { active: false };
    return;
  }
  // RFC 9449 §6.2: a DPoP-bound token says so in token_type and carries its cnf.
  const boundToKey = typeof claims.cnf === 'object' && claims.cnf !== null && 'jkt' in claims.cnf;
  ctx.body = { ...claims, active: true, token_type: boundToKey ? 'DPoP' : 'Bearer' };
}

async function revoke(ctx: KoaContextWithOIDC, token: string, options: JwtTokenOptions): Promise<void> {
  const claims = await verifyOwnToken(token, options);
  if (claims !== undefined && claims.client_id !== ctx.oidc.client?.clientId) {
    // RFC 7009 §2.1: only the client the token was issued to may revoke it.
    ctx.status = 400;
    ctx.body = { error: 'unauthorized_client', error_description: 'the token was issued to another client' };
    return;
  }
  if (claims !== undefined) {
    // Revoking twice (or concurrently) leaves one row.
    await insertOnce(options.fork(), RevokedToken, { jti: String(claims.jti), expiresAt: new Date(Number(claims.exp) * 1000) });
  }
  // RFC 7009 §2.2: an invalid or unknown token is not an error.
  ctx.status = 200;
  ctx.body = '';
}

/** Provider middleware (runs around every route; acts only on the two endpoints' refusals). */
export function jwtTokenEndpoints(options: JwtTokenOptions) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    const route = (ctx.oidc as KoaContextWithOIDC['oidc'] | undefined)?.route;
    if ((route !== 'introspection' && route !== 'revocation') || !isStructuredTokenRefusal(ctx)) return;
    const token = String(ctx.oidc.params?.token);
    await (route === 'introspection' ? introspect(ctx, token, options) : revoke(ctx, token, options));
  };
}
