/**
 * Interactions, the ORY Hydra way: identity-authz runs the protocol and identity-idp runs login and
 * consent. A browser that must log in is sent to identity-idp with a login request signed by our
 * token key; identity-idp sends it back with a login result signed by its own key, which must be
 * fresh (60 s), addressed to us, about this very interaction, and is accepted only once.
 */
// @mikro-orm/sql holds this; both driver packages re-export it and only they are dependencies.
import type { SqlEntityManager as EntityManager } from '@mikro-orm/postgresql';
import { importJWK, jwtVerify, SignJWT, errors as joseErrors, type JWK, type JWTPayload } from 'jose';
import type { Client } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { BadRequestError } from '../template/errors/index.ts';
import type { IssuerKeys } from '../template/auth/issuer-keys.ts';
// The message types are identity-idp's contract (RFC 8725 §3.11: explicit types keep a login
// request, a login result and a token apart).
import { LOGIN_REQUEST_TYPE } from '../identity-idp/login-request.ts';
import { LOGIN_RESULT_TYPE } from '../identity-idp/login-result.ts';
import { Account, UsedLoginResult, insertOnce } from './entities.ts';
import { ACR_PWD, acrOf, satisfies, type Acr } from '../identity-idp/acr.ts';
import { allowedScopes, OPENID_SCOPES, requiredAcr, STEP_UP_CHECK } from './provider.ts';


/** A login result older than this is refused even if its `exp` says otherwise. */
const RESULT_MAX_AGE_SECONDS = 60;
/** Login requests live no longer than the interaction (10 minutes). */
const REQUEST_MAX_AGE_SECONDS = 600;

export interface LoginOptions {
  readonly issuer: string;
  /** identity-idp's public base URL (`authz.idpUrl`). */
  readonly idpUrl: string;
  /** The active private signing JWK (with kid and alg). */
  readonly signingKey: JWK;
  /** identity-idp's published keys. */
  readonly idpKeys: Pick<IssuerKeys, 'resolve'>;
  readonly clockSkewSeconds: number;
  readonly now?: () => number;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The `resource` parameter as a list (RFC 8707 §2: it may be repeated). */
export function resourcesOf(params: Readonly<Record<string, unknown>>): string[] {
  const { resource } = params;
  if (typeof resource === 'string') return [resource];
  return Array.isArray(resource) ? resource.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * CSP source expressions for the client's registered redirect URIs: the origin of a web URI, the
 * scheme of a private-use one (RFC 8252 §7.1, whose origin is opaque). identity-idp's consent page
 * allows its form to reach these (Chromium checks form-action on every redirect after the post).
 */
export function redirectOrigins(redirectUris: readonly string[] | undefined): string[] {
  return [...new Set((redirectUris ?? []).map((uri) => {
    const url = new URL(uri);
    return url.origin === 'null' ? url.protocol : url.origin;
  }))];
}

/** The requested scopes `grantFor` could grant to `client`: consent shows no more than that. */
export function offeredScopes(client: Client | undefined, params: Readonly<Record<string, unknown>>): string[] {
  const requested = [...new Set(stringOf(params.scope)?.split(' '))].filter((scope) => scope !== '');
  const openid: readonly string[] = OPENID_SCOPES;
  const allowed = new Set(client === undefined ? undefined : resourcesOf(params).flatMap((resource) => allowedScopes(client, resource)));
  return requested.filter((scope) => openid.includes(scope) || allowed.has(scope));
}

/** The signed login request for interaction `uid`, and where to send the browser with it. */
export async function loginRedirect(provider: Provider, interaction: Awaited<ReturnType<Provider['interactionDetails']>>, options: LoginOptions): Promise<string> {
  const { params, prompt, uid } = interaction;
  const clientId = String(params.client_id);
  const client = await provider.Client.find(clientId);
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  // A fresh login (the password again) when the client asks for one or the library's own checks
  // want one (no session, max_age); a session that is only too weak is stepped up on the same
  // session instead: identity-idp asks for the second factor alone.
  const stepUpOnly = prompt.name === 'login' && prompt.reasons.every((reason) => reason === STEP_UP_CHECK);
  const asksLogin = (prompt.name === 'login' && !stepUpOnly) || stringOf(params.prompt)?.split(' ').includes('login') === true;
  const asks = asksLogin ? ['login', 'consent'] : ['consent'];
  const acr = requiredAcr(client, params);
  const maxAge = stringOf(params.max_age);
  const key = await importJWK(options.signingKey, options.signingKey.alg);
  const request = await new SignJWT({
    client_id: clientId,
    // An interaction exists only for a client the library found, and ours all have a name.
    client_name: client?.clientName,
    // What consent may grant: the OpenID scopes asked for and the resource scopes asked for that the
    // client may hold for the requested resources; identity-idp narrows it to the user's entitlement.
    scope: offeredScopes(client, params).join(' '),
    prompt: asks,
    return_to: `${options.issuer}/interaction/${uid}/callback`,
    redirect_origins: redirectOrigins(client?.redirectUris),
    // An absent member is left out of the JSON, as client_name is.
    login_hint: stringOf(params.login_hint),
    ...(maxAge === undefined ? {} : { max_age: Number(maxAge) }),
    // The level the login must reach (acr.ts); absent when one factor is enough.
    ...(acr === ACR_PWD ? {} : { acr }),
  })
    .setProtectedHeader({ alg: String(options.signingKey.alg), kid: String(options.signingKey.kid), typ: LOGIN_REQUEST_TYPE })
    .setIssuer(options.issuer)
    .setAudience(options.idpUrl)
    .setJti(uid)
    .setIssuedAt(now)
    .setExpirationTime(Math.min(interaction.exp, now + REQUEST_MAX_AGE_SECONDS))
    .sign(key);
  return `${options.idpUrl}/login?login_challenge=${encodeURIComponent(request)}`;
}

/** What a verified login result says. */
export interface LoginResult {
  readonly jti: string;
  readonly expiresAt: number;
  readonly subject: string;
  readonly authTime: number;
  readonly amr: readonly string[];
  readonly scopes: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
  readonly denied: boolean;
  /** identity-idp could not reach the level the login must (the user has no such factor). */
  readonly unmet?: boolean;
}

/** 400 naming the failed check of a message from identity-idp (`what`: login result, account event). */
function idpMessageFailure(what: string, error: unknown): BadRequestError {
  const reason = error instanceof joseErrors.JOSEError ? error.code : 'ERR_LOGIN_RESULT_INVALID';
  return new BadRequestError(`the ${what} from identity-idp is not valid (${reason})`);
}

/** What one kind of message signed by identity-idp must carry. */
export interface IdpMessageKind {
  /** Its name in a 400 detail (`login result`). */
  readonly what: string;
  /** Its explicit JWT `typ` (RFC 8725 §3.11). */
  readonly type: string;
  readonly maxAgeSeconds: number;
  /** The claims beyond `jti`, `exp`, `iat` and `sub`. */
  readonly claims: readonly string[];
}

/**
 * A message identity-idp signed for us: its key, issuer, our audience, its type, fresh; throws
 * 400 naming the failed check.
 */
export async function verifyIdpMessage(token: string, kind: IdpMessageKind, options: LoginOptions): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, options.idpKeys.resolve, {
    issuer: options.idpUrl,
    audience: options.issuer,
    typ: kind.type,
    maxTokenAge: kind.maxAgeSeconds,
    clockTolerance: options.clockSkewSeconds,
    requiredClaims: ['jti', 'exp', 'iat', 'sub', ...kind.claims],
    currentDate: new Date((options.now ?? Date.now)()),
  }).catch((error: unknown) => { throw idpMessageFailure(kind.what, error); });
  return payload;
}

/** Verifies a login result for interaction `uid`; throws 400 naming the failed check. */
export async function verifyLoginResult(token: string, uid: string, options: LoginOptions): Promise<LoginResult> {
  const payload = await verifyIdpMessage(token, { what: 'login result', type: LOGIN_RESULT_TYPE, maxAgeSeconds: RESULT_MAX_AGE_SECONDS, claims: ['challenge'] }, options);
  if (payload.challenge !== uid) throw new BadRequestError('the login result belongs to another sign-in');
  return resultOf(payload);
}

function resultOf(payload: JWTPayload): LoginResult {
  const scope = stringOf(payload.scope) ?? '';
  const claims = typeof payload.claims === 'object' && payload.claims !== null ? payload.claims as Record<string, unknown> : {};
  return {
    jti: String(payload.jti),
    expiresAt: Number(payload.exp),
    subject: String(payload.sub),
    authTime: typeof payload.auth_time === 'number' ? payload.auth_time : Number(payload.iat),
    amr: Array.isArray(payload.amr) ? payload.amr.filter((item): item is string => typeof item === 'string') : ['pwd'],
    scopes: scope.split(' ').filter((item) => item !== ''),
    claims,
    denied: payload.error === 'access_denied',
    unmet: payload.error === 'unmet_authentication_requirements',
  };
}

/**
 * The level the login reached (from its `amr`, acr.ts), or undefined when it is weaker than the
 * request needs or identity-idp said it could not reach it (`unmet_authentication_requirements`).
 */
export async function reachedAcr(provider: Provider, interaction: Awaited<ReturnType<Provider['interactionDetails']>>, result: LoginResult): Promise<Acr | undefined> {
  const acr = acrOf(result.amr);
  const client = await provider.Client.find(String(interaction.params.client_id));
  return result.unmet !== true && satisfies(acr, requiredAcr(client, interaction.params)) ? acr : undefined;
}

/** Records the result's `jti`; a second use of the same result is refused. */
export async function spendLoginResult(em: EntityManager, result: LoginResult): Promise<void> {
  // One statement decides between two concurrent uses: the row is written once, and only the
  // request that wrote it goes on.
  const written = await insertOnce(em, UsedLoginResult, { jti: result.jti, expiresAt: new Date(result.expiresAt * 1000) });
  if (!written) throw new BadRequestError('this login result has already been used');
}

/**
 * Keeps the claims identity-idp vouched for; `findAccount` answers from them. One statement
 * (INSERT … ON CONFLICT DO UPDATE), so the first sign-ins of one account in two tabs at once both
 * succeed.
 */
export async function rememberAccount(em: EntityManager, result: LoginResult): Promise<void> {
  const now = new Date();
  await em.upsert(Account, { id: result.subject, claims: { ...result.claims }, createdAt: now, updatedAt: now }, { onConflictFields: ['id'], onConflictAction: 'merge', onConflictMergeFields: ['claims', 'updatedAt'] });
}

/**
 * The grant for the scopes the user allowed: OpenID scopes as they are, resource scopes per
 * requested resource as far as the client may hold them. A requested scope the login result does
 * not carry (the user is not entitled to it) is recorded as rejected, so the library issues tokens
 * without it instead of asking for consent again, and names the narrower `scope` in the token
 * response (RFC 6749 §5.1). Undefined when the request asked for resource scopes and the user holds
 * none of them: the caller answers `invalid_scope` (RFC 6749 §4.1.2.1).
 */
export async function grantFor(provider: Provider, interaction: Awaited<ReturnType<Provider['interactionDetails']>>, result: LoginResult): Promise<string | undefined> {
  const { params } = interaction;
  const clientId = String(params.client_id);
  const grant = (interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId))
    ?? new provider.Grant({ accountId: result.subject, clientId });
  const granted = new Set(result.scopes);
  const requested = new Set(stringOf(params.scope)?.split(' '));
  const openid = OPENID_SCOPES.filter((scope) => requested.has(scope));
  const grantedOpenid = openid.filter((scope) => granted.has(scope));
  if (grantedOpenid.length > 0) grant.addOIDCScope(grantedOpenid.join(' '));
  const refusedOpenid = openid.filter((scope) => !granted.has(scope));
  if (refusedOpenid.length > 0) grant.rejectOIDCScope(refusedOpenid.join(' '));
  const client = await provider.Client.find(clientId);
  let asked = 0;
  let held = false;
  if (client !== undefined) {
    for (const resource of resourcesOf(params)) {
      const offered = allowedScopes(client, resource).filter((scope) => requested.has(scope));
      const scopes = offered.filter((scope) => granted.has(scope));
      const refused = offered.filter((scope) => !granted.has(scope));
      asked += offered.length;
      if (scopes.length > 0) {
        held = true;
        grant.addResourceScope(resource, scopes.join(' '));
      }
      if (refused.length > 0) grant.rejectResourceScope(resource, refused.join(' '));
    }
  }
  if (asked > 0 && !held) return undefined;
  return grant.save();
}
