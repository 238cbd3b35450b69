/**
 * What identity-rp keeps of identity-authz's token responses, as pure functions of the response
 * openid-client has already validated; and the refresh grant in the shape TokenKeeper calls.
 */
import * as oidc from 'openid-client';
import type { AuthzClient } from './authz-client.ts';
import { isProtocolFailure } from './authz-client.ts';
import type { SessionSecrets } from './sessions.ts';
import { RefreshRefusedError, type Refresh, type RefreshedTokens } from './tokens.ts';

/** The parts of a validated token response identity-rp reads. */
export interface ValidatedResponse {
  readonly access_token: string;
  readonly refresh_token?: string;
  readonly id_token?: string;
  claims(): oidc.IDToken | undefined;
  expiresIn(): number | undefined;
}

/** A response without `expires_in` (RFC 6749 §5.1 makes it optional): treat the token as due at once. */
const UNKNOWN_LIFETIME = 0;

/** Who signed in and the tokens to keep, from a code grant validated with `idTokenExpected`. */
export function signedIn(response: ValidatedResponse, now: Date): { user: { subject: string; sid: string; accessExpiresAt: Date }; tokens: Omit<SessionSecrets, 'csrf'> } {
  const claims = response.claims();
  if (claims === undefined || response.id_token === undefined) throw new Error('the token response carries no ID token');
  return {
    user: {
      subject: claims.sub,
      sid: typeof claims.sid === 'string' ? claims.sid : '',
      accessExpiresAt: new Date(now.getTime() + (response.expiresIn() ?? UNKNOWN_LIFETIME) * 1000),
    },
    tokens: {
      accessToken: response.access_token,
      ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }),
      idToken: response.id_token,
    },
  };
}

export function refreshed(response: ValidatedResponse): RefreshedTokens {
  return {
    accessToken: response.access_token,
    ...(response.refresh_token === undefined ? {} : { refreshToken: response.refresh_token }),
    ...(response.id_token === undefined ? {} : { idToken: response.id_token }),
    expiresInSeconds: response.expiresIn() ?? UNKNOWN_LIFETIME,
  };
}

/**
 * The refresh grant at identity-authz, narrowed to one resource (RFC 8707 §2.2); a refused grant
 * becomes RefreshRefusedError, and the caller ends the session: a resource the grant does not
 * cover (an API added to `rp.apis` since the sign-in) is had by signing in again, which asks for
 * every resource of the allowlist.
 */
export function refreshAt(client: AuthzClient): Refresh {
  return async (refreshToken, resource) => {
    try {
      return refreshed(await oidc.refreshTokenGrant(await client.configuration(), refreshToken, resource === '' ? {} : { resource }));
    } catch (error) {
      if (isProtocolFailure(error)) throw new RefreshRefusedError();
      throw error;
    }
  };
}
