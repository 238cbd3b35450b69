/**
 * The library's refusals (an interaction that cannot continue, metadata it will not accept) become
 * our 400 problems; anything else is a failure of ours and stays what it is (a 500). At the
 * protocol endpoints the library's OAuth errors are made as precise as RFC 6749 §5.2 asks.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { BadRequestError } from '../template/errors/index.ts';

export function asBadRequest(error: unknown, prefix = ''): unknown {
  return error instanceof errors.OIDCProviderError ? new BadRequestError(`${prefix}${String(error.error_description)}`) : error;
}

/** Endpoints that authenticate the client (RFC 6749 §2.3), by the library's route names. */
const CLIENT_AUTHENTICATED_ROUTES: ReadonlySet<string> = new Set(['token', 'introspection', 'revocation', 'pushed_authorization_request']);

type OidcContext = KoaContextWithOIDC['oidc'] | undefined;

function presentsClient(ctx: KoaContextWithOIDC, params: Readonly<Record<string, unknown>>): boolean {
  return ctx.get('Authorization') !== '' || params.client_id !== undefined || params.client_assertion !== undefined;
}

/**
 * RFC 6749 §5.2 error codes where the library answers a generic invalid_request: a request that
 * presents no client authentication at all gets 401 invalid_client with the challenge of the
 * scheme we take (the library has no client to blame), and a grant type the client is not
 * registered for gets unauthorized_client. Provider middleware: acts on the library's answer.
 */
export function clientErrors(issuer: string) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    await next();
    const oidc = ctx.oidc as OidcContext;
    const body = ctx.body as { error?: unknown } | undefined;
    const params = oidc?.params;
    if (oidc === undefined || params === undefined || !CLIENT_AUTHENTICATED_ROUTES.has(oidc.route) || ctx.status !== 400 || body?.error !== 'invalid_request') return;
    const { client } = oidc;
    if (client === undefined && !presentsClient(ctx, params)) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', `Basic realm="${issuer}"`);
      ctx.body = { error: 'invalid_client', error_description: 'the request carries no client authentication' };
    } else if (oidc.route === 'token' && client !== undefined && typeof params.grant_type === 'string' && !client.grantTypeAllowed(params.grant_type)) {
      ctx.body = { error: 'unauthorized_client', error_description: `this client is not registered for the grant type ${params.grant_type}` };
    }
  };
}
