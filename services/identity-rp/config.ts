/**
 * identity-rp's own configuration keys: the authorization server it signs users in at, its
 * confidential client there, and the APIs it may call for them (an allowlist: nothing else is
 * reachable through `/bff/api/`).
 */
import type { Schema } from 'convict';
import { isHttpsUrl } from '../template/auth/discovery.ts';
import { UsageError } from '../template/errors/index.ts';

export interface RpConfig {
  rp: {
    /** The issuer users sign in at; empty means `auth.issuer`. */
    issuer: string;
    clientId: string;
    clientSecret: string;
    /** Where identity-authz sends the browser back; empty means `<public URL>/bff/callback`. */
    redirectUri: string;
    /** Where end_session sends the browser after logout; empty means `<public URL>/`. */
    postLogoutRedirectUri: string;
    /** The scopes asked for at login. */
    scope: string;
    /** RFC 8707 resource the user's access token is for; empty asks for none. */
    resource: string;
    /** Service name → base URL of its browser API: the only targets of `/bff/api/<service>/`. */
    apis: Record<string, string>;
    sessionTtlSeconds: number;
    /** An access token this close to expiry is refreshed before it is forwarded. */
    refreshBeforeSeconds: number;
  };
}

export const rpConfigSchema: Schema<RpConfig> = {
  rp: {
    issuer: { doc: 'Issuer URL of identity-authz (https); empty means auth.issuer.', format: String, default: '' },
    clientId: { doc: 'Client id of identity-rp, a confidential authorization-code client at identity-authz.', format: String, default: '' },
    clientSecret: { doc: 'Its client secret (use a file:// reference); never logged.', format: String, default: '', sensitive: true },
    redirectUri: { doc: 'Redirect URI registered for the client; empty means <public URL>/bff/callback.', format: String, default: '' },
    postLogoutRedirectUri: { doc: 'Post-logout redirect URI registered for the client; empty means <public URL>/.', format: String, default: '' },
    scope: { doc: 'Scopes asked for at login (space separated; must include openid).', format: String, default: 'openid' },
    resource: { doc: 'RFC 8707 resource indicator of the API the user token is for, e.g. urn:cryptoutil:identity-rs; empty: none.', format: String, default: '' },
    apis: { doc: 'Allowlisted API targets: service name -> https base URL of its browser API.', format: Object, default: {} },
    sessionTtlSeconds: { doc: 'Lifetime of a signed-in session (cookie __Host-rp_session) in seconds.', format: 'nat', default: 28_800 },
    refreshBeforeSeconds: { doc: 'Refresh the access token when it expires within this many seconds.', format: 'nat', default: 30 },
  },
};

/** A service name as it appears in `/bff/api/<service>/`: the suite's own naming. */
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** Refuses to start (exit 2) on a configuration that could not sign anyone in or would proxy anywhere. */
export function checkRpConfig(config: RpConfig): void {
  const { rp } = config;
  if (rp.clientId === '') throw new UsageError('rp.clientId is required');
  if (rp.clientSecret === '') throw new UsageError('rp.clientSecret is required');
  if (!rp.scope.split(' ').includes('openid')) throw new UsageError('rp.scope must include openid');
  if (rp.sessionTtlSeconds < 1) throw new UsageError('rp.sessionTtlSeconds must be at least 1');
  for (const key of ['issuer', 'redirectUri', 'postLogoutRedirectUri'] as const) {
    if (rp[key] !== '' && !isHttpsUrl(rp[key])) throw new UsageError(`rp.${key} must be an https URL`);
  }
  for (const [name, url] of Object.entries(rp.apis)) {
    if (!SERVICE_NAME.test(name)) throw new UsageError(`rp.apis: ${JSON.stringify(name)} is not a service name`);
    if (typeof url !== 'string' || !isHttpsUrl(url)) throw new UsageError(`rp.apis.${name} must be an https URL`);
  }
}
