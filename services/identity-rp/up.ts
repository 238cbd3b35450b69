/**
 * identity-rp in `cryptoutil up`: the client it signs users in with at the suite's identity-authz
 * (registered there through `authz.signInClients`), its own configuration, and the `sign_in_url`
 * of `credentials.json`. The rp may call the browser APIs of identity-authz, identity-idp,
 * identity-rs, learn-ps and sm-kms when the suite runs them, for identity-spa's console, whose origin it lets call `/bff/*`.
 */
import type { UpSignInClient, UpSuite } from '../template/service.ts';
import { CALLBACK_PATH } from './routes/index.ts';
import { BACKCHANNEL_LOGOUT_PATH } from './routes/backchannel-logout.ts';

/** identity-rp's client id at identity-authz under `up`. */
export const UP_RP_CLIENT_ID = 'identity-rp';
/** The up secret (`DIR/secrets/identity-rp.client-secret`) holding its client secret. */
export const UP_RP_CLIENT_SECRET = 'identity-rp.client-secret';

const RP = 'identity-rp';
const SPA = 'identity-spa';
const OPENID_SCOPES = ['openid', 'profile', 'email'] as const;

/** The APIs the rp proxies when the suite runs them, with the scopes the console uses there. */
export const UP_APIS: readonly { readonly name: string; readonly scopes: readonly string[] }[] = [
  { name: 'identity-authz', scopes: ['authz:admin'] },
  { name: 'identity-idp', scopes: ['idp:admin'] },
  { name: 'identity-rs', scopes: ['rs:read', 'rs:write'] },
  { name: 'learn-ps', scopes: ['pets:read', 'pets:write', 'orders:read', 'orders:write'] },
  { name: 'sm-kms', scopes: ['kms:admin', 'kms:read', 'kms:encrypt', 'kms:decrypt', 'kms:sign', 'kms:verify'] },
];

/** A service's public URL in the suite, or undefined when the suite does not run it. */
function urlOf(suite: UpSuite, name: string): string | undefined {
  try {
    return suite.publicUrl(name);
  } catch {
    return undefined;
  }
}

/** The APIs of UP_APIS the suite runs, each with its browser API and its resource. */
function apisOf(suite: UpSuite): { readonly name: string; readonly scopes: readonly string[]; readonly url: string; readonly resource: string }[] {
  return UP_APIS.flatMap((api) => {
    const url = urlOf(suite, api.name);
    return url === undefined ? [] : [{ ...api, url: `${url}/browser/api/v1`, resource: `urn:cryptoutil:${api.name}` }];
  });
}

/** identity-spa's console URL in the suite, or undefined when the suite does not run it. */
function consoleUrl(suite: UpSuite): string | undefined {
  const url = urlOf(suite, SPA);
  return url === undefined ? undefined : `${url}/`;
}

/**
 * The client `up` registers for identity-rp: code + refresh, its callback, its root and the
 * console as places to come back to after sign-out, the scopes its proxy needs at each API.
 */
export async function rpUpSignInClient(suite: UpSuite): Promise<UpSignInClient> {
  const url = suite.publicUrl(RP);
  const spa = consoleUrl(suite);
  return {
    id: UP_RP_CLIENT_ID,
    secret: await suite.secret(UP_RP_CLIENT_SECRET),
    redirectUris: [`${url}${CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${url}/`, ...(spa === undefined ? [] : [spa])],
    backchannelLogoutUri: `${url}${BACKCHANNEL_LOGOUT_PATH}`,
    openidScopes: [...OPENID_SCOPES],
    resourceScopes: Object.fromEntries(apisOf(suite).map((api) => [api.resource, [...api.scopes]])),
  };
}

/** identity-rp's `rp.*` keys under `up`: the same client, the suite's APIs, each with its resource, and the console's origin. */
export async function rpUpConfig(suite: UpSuite): Promise<object> {
  const apis = apisOf(suite);
  const spa = consoleUrl(suite);
  return {
    rp: {
      clientId: UP_RP_CLIENT_ID,
      clientSecret: await suite.secret(UP_RP_CLIENT_SECRET),
      scope: [...OPENID_SCOPES, ...apis.flatMap((api) => api.scopes)].join(' '),
      ...(apis.length === 0 ? {} : { apis: Object.fromEntries(apis.map((api) => [api.name, { url: api.url, resource: api.resource }])) }),
      ...(spa === undefined ? {} : { consoleOrigins: [new URL(spa).origin] }),
    },
  };
}

/** `credentials.json`'s `sign_in_url`: open it in a browser to sign in through identity-idp. */
export function rpUpCredentials(suite: UpSuite): Promise<{ readonly sign_in_url: string }> {
  return Promise.resolve({ sign_in_url: `${suite.publicUrl(RP)}/bff/login` });
}
