/**
 * identity-rp in `cryptoutil up`: the client it signs users in with at the suite's identity-authz
 * (registered there through `authz.signInClients`), its own configuration, and the `sign_in_url`
 * of `credentials.json`. When the suite runs identity-rs, the rp may call its browser API.
 */
import type { UpSignInClient, UpSuite } from '../template/service.ts';
import { CALLBACK_PATH } from './routes/index.ts';
import { BACKCHANNEL_LOGOUT_PATH } from './routes/backchannel-logout.ts';

/** identity-rp's client id at identity-authz under `up`. */
export const UP_RP_CLIENT_ID = 'identity-rp';
/** The up secret (`DIR/secrets/identity-rp.client-secret`) holding its client secret. */
export const UP_RP_CLIENT_SECRET = 'identity-rp.client-secret';

const RP = 'identity-rp';
const RS = 'identity-rs';
const RS_RESOURCE = `urn:cryptoutil:${RS}`;
const RS_SCOPES = ['rs:read', 'rs:write'] as const;
const OPENID_SCOPES = ['openid', 'profile', 'email'] as const;

/** identity-rs's public URL in the suite, or undefined when the suite does not run it. */
function rsUrl(suite: UpSuite): string | undefined {
  try {
    return suite.publicUrl(RS);
  } catch {
    return undefined;
  }
}

/** The client `up` registers for identity-rp: code + refresh, its callback and root, the scopes its proxy needs. */
export async function rpUpSignInClient(suite: UpSuite): Promise<UpSignInClient> {
  const url = suite.publicUrl(RP);
  return {
    id: UP_RP_CLIENT_ID,
    secret: await suite.secret(UP_RP_CLIENT_SECRET),
    redirectUris: [`${url}${CALLBACK_PATH}`],
    postLogoutRedirectUris: [`${url}/`],
    backchannelLogoutUri: `${url}${BACKCHANNEL_LOGOUT_PATH}`,
    openidScopes: [...OPENID_SCOPES],
    resourceScopes: rsUrl(suite) === undefined ? {} : { [RS_RESOURCE]: [...RS_SCOPES] },
  };
}

/** identity-rp's `rp.*` keys under `up`: the same client, and identity-rs as the one API it proxies. */
export async function rpUpConfig(suite: UpSuite): Promise<object> {
  const rs = rsUrl(suite);
  return {
    rp: {
      clientId: UP_RP_CLIENT_ID,
      clientSecret: await suite.secret(UP_RP_CLIENT_SECRET),
      ...(rs === undefined
        ? { scope: OPENID_SCOPES.join(' ') }
        : { scope: [...OPENID_SCOPES, ...RS_SCOPES].join(' '), resource: RS_RESOURCE, apis: { [RS]: `${rs}/browser/api/v1` } }),
    },
  };
}

/** `credentials.json`'s `sign_in_url`: open it in a browser to sign in through identity-idp. */
export function rpUpCredentials(suite: UpSuite): Promise<{ readonly sign_in_url: string }> {
  return Promise.resolve({ sign_in_url: `${suite.publicUrl(RP)}/bff/login` });
}
