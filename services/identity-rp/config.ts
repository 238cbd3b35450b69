/**
 * identity-rp's own configuration keys: the authorization server it signs users in at, its
 * confidential client there, and the APIs it may call for them (an allowlist: nothing else is
 * reachable through `/bff/api/`).
 */
import type { Schema } from 'convict';
import { isHttpsUrl } from '../template/auth/discovery.ts';
import { isHttpsOrigin } from '../template/config/network.ts';
import { UsageError } from '../template/errors/index.ts';

/** One allowlisted API written out: its base URL and the RFC 8707 resource its tokens are for. */
export interface ApiEntry {
  readonly url: string;
  /** Absent: `rp.resource`. */
  readonly resource?: string;
}

/** An allowlisted API as the proxy uses it: a base URL and the resource ('' for none) of its token. */
export interface ApiTarget {
  readonly url: string;
  readonly resource: string;
}

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
    /**
     * Service name → base URL of its browser API (its token is for `resource`), or `{ url, resource }`
     * for an API with its own resource: the only targets of `/bff/api/<service>/`.
     */
    apis: Record<string, string | ApiEntry>;
    /**
     * Origins of browser consoles that call `/bff/*` cross-origin with the session cookie (CORS with
     * credentials). Always present once loaded (default []); optional for configurations built in code.
     */
    consoleOrigins?: string[];
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
    apis: {
      doc: 'Allowlisted API targets: service name -> https base URL of its browser API (token for rp.resource), or {"url": "https://...", "resource": "urn:..."} (token for that resource).',
      format: Object, default: {},
    },
    consoleOrigins: { doc: 'Origins (https://host[:port]) of browser consoles allowed to call /bff/* cross-origin with credentials.', format: Array, default: [] },
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
  if (rp.resource !== '' && !isResourceIndicator(rp.resource)) throw new UsageError('rp.resource must be an absolute URI without a fragment');
  apiTargets(rp);
  // Convict reads a list from a file as it is: its entries may be anything.
  const origins: readonly unknown[] = rp.consoleOrigins ?? [];
  for (const [index, origin] of origins.entries()) {
    if (typeof origin !== 'string' || !isHttpsOrigin(origin)) {
      throw new UsageError(`rp.consoleOrigins entry ${String(index)} (${JSON.stringify(origin)}) must be an origin: https://host[:port]`);
    }
  }
}

/** RFC 8707 §2: a resource indicator is an absolute URI without a fragment. */
function isResourceIndicator(value: unknown): value is string {
  return typeof value === 'string' && URL.canParse(value) && !value.includes('#');
}

function targetOf(name: string, entry: unknown, defaultResource: string): ApiTarget {
  if (typeof entry === 'string') {
    if (!isHttpsUrl(entry)) throw new UsageError(`rp.apis.${name} must be an https URL`);
    return { url: entry, resource: defaultResource };
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new UsageError(`rp.apis.${name} must be an https URL or { url, resource }`);
  const { url, resource, ...rest } = entry as Record<string, unknown>;
  const [extra] = Object.keys(rest);
  if (extra !== undefined) throw new UsageError(`rp.apis.${name}: unknown key ${JSON.stringify(extra)} (only url and resource)`);
  if (typeof url !== 'string' || !isHttpsUrl(url)) throw new UsageError(`rp.apis.${name}.url must be an https URL`);
  if (resource === undefined) return { url, resource: defaultResource };
  if (!isResourceIndicator(resource)) throw new UsageError(`rp.apis.${name}.resource must be an absolute URI without a fragment`);
  return { url, resource };
}

/** The allowlist with every entry written out (each API's resource); a usage error names a bad entry. */
export function apiTargets(rp: Pick<RpConfig['rp'], 'apis' | 'resource'>): Readonly<Record<string, ApiTarget>> {
  const targets: Record<string, ApiTarget> = {};
  for (const [name, entry] of Object.entries(rp.apis)) {
    if (!SERVICE_NAME.test(name)) throw new UsageError(`rp.apis: ${JSON.stringify(name)} is not a service name`);
    targets[name] = targetOf(name, entry, rp.resource);
  }
  return targets;
}

/**
 * The resources a sign-in asks for (RFC 8707 §2.1: `resource` repeated), and the one its code is
 * redeemed for: `rp.resource`, or when empty the first API's own. Every other resource's token
 * comes from the refresh token when an API of it is first called.
 */
export function resourcesOf(rp: Pick<RpConfig['rp'], 'apis' | 'resource'>): { readonly primary: string; readonly all: readonly string[] } {
  const fromApis = Object.values(apiTargets(rp)).map((target) => target.resource).filter((resource) => resource !== '');
  const all = [...new Set([...(rp.resource === '' ? [] : [rp.resource]), ...fromApis])];
  return { primary: all[0] ?? '', all };
}
