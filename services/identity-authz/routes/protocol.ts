/**
 * The public routes oidc-provider serves, mounted inside the template's pipeline (request id,
 * logs, rate limit, security headers, body limit all apply), plus the two interaction routes that
 * hand a browser to identity-idp and take it back. Everything else falls through to the API.
 */
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { BadRequestError, ServiceUnavailableError } from '../../template/errors/index.ts';
import type { RequestState } from '../../template/service.ts';
import { labelRoute } from '../../template/telemetry/route.ts';
import { asBadRequest } from '../oauth-errors.ts';
import { PAGE_POLICY, STYLESHEET, STYLESHEET_PATH } from '../pages.ts';
import type { AuthzHost, BuiltProvider } from '../host.ts';
import { grantFor, loginRedirect, reachedAcr, rememberAccount, spendLoginResult, verifyLoginResult } from '../login.ts';

/** Paths (and their sub-paths) the library answers, from its `routes` configuration. */
const PROVIDER_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/auth', '/token', '/jwks', '/request', '/session/end', '/me'];

const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/;
const CALLBACK = /^\/interaction\/([A-Za-z0-9_-]{1,64})\/callback$/;

/** The library's own fixed sub-paths; any other sub-path carries an id (e.g. `/auth/:uid` resuming a sign-in). */
const PROVIDER_SUB_PATHS: ReadonlySet<string> = new Set(['/token/introspection', '/token/revocation', '/session/end/confirm', '/session/end/success']);

/** The library's path this request is for, or undefined when it is not the library's. */
function providerPath(path: string): string | undefined {
  return PROVIDER_PATHS.find((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** The metric route label of a library path: fixed paths as they are, an id in a sub-path as `:id`. */
export function providerRoute(path: string, prefix: string): string {
  return path === prefix || PROVIDER_SUB_PATHS.has(path) ? path : `${prefix}/:id`;
}

/**
 * The template has already read the body (bounded), but the library reads its own from the request
 * stream. The request is handed on as a stream that replays those bytes: `readable` again, and an
 * `iterator` that yields them. Content-Length, when sent, already equals their length (the reader
 * checked it). Both are set on the request itself: a view with the request as its prototype cost
 * about ten times as much per token request, as V8 reshapes every object made a prototype.
 */
export function replayBody(req: IncomingMessage, body: Buffer): IncomingMessage {
  Object.defineProperty(req, 'readable', { value: true, writable: true, configurable: true });
  Object.defineProperty(req, 'iterator', {
    value: async function* replay(): AsyncGenerator<Buffer> { await Promise.resolve(); yield body; },
    writable: true,
    configurable: true,
  });
  return req;
}

/**
 * OIDC Core §3.1.2.1 and RP-Initiated Logout §2: these endpoints take GET and POST alike, the POST
 * form-encoded. The library is given a POST as the GET with the same parameters, so its session
 * cookie keeps SameSite=Lax (the library's own POST support needs SameSite=None); a cross-site
 * POST then does not carry that session, and the browser signs in through identity-idp again.
 */
const GET_OR_POST = new Set(['/auth', '/session/end']);

function asGet(ctx: Parameters<Middleware<RequestState>>[0], body: unknown): IncomingMessage | undefined {
  if (ctx.method !== 'POST' || !GET_OR_POST.has(ctx.path)) return undefined;
  if (ctx.request.is('application/x-www-form-urlencoded') === false || !Buffer.isBuffer(body)) {
    throw new BadRequestError(`a POST to ${ctx.path} carries its parameters form-encoded (application/x-www-form-urlencoded)`);
  }
  const headers = { ...ctx.req.headers };
  delete headers['content-length'];
  delete headers['content-type'];
  const query = new URLSearchParams(body.toString('utf8')).toString();
  return Object.create(ctx.req, {
    method: { value: 'GET', enumerable: true },
    url: { value: `${ctx.path}?${query}`, enumerable: true },
    headers: { value: headers, enumerable: true },
  }) as IncomingMessage;
}

function queryValue(ctx: Parameters<Middleware<RequestState>>[0], name: string): string {
  const value = ctx.query[name];
  if (typeof value !== 'string' || value === '') throw new BadRequestError(`${name} is required`);
  return value;
}

/** The interaction this browser is in; a missing or expired one is the client's problem (400). */
async function interactionOf(built: BuiltProvider, ctx: Parameters<Middleware<RequestState>>[0]): Promise<Awaited<ReturnType<BuiltProvider['provider']['interactionDetails']>>> {
  return built.provider.interactionDetails(ctx.req, ctx.res).catch((error: unknown) => { throw asBadRequest(error, 'this sign-in cannot continue: '); });
}

/** The `routes` of the identity-authz definition. */
export function protocolRoutes(host: AuthzHost): Middleware<RequestState> {
  return async function authorizationServer(ctx, next) {
    if (ctx.method === 'GET' && ctx.path === STYLESHEET_PATH) {
      labelRoute(ctx, STYLESHEET_PATH);
      ctx.type = 'text/css; charset=utf-8';
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = await STYLESHEET;
      return;
    }
    const interaction = INTERACTION.exec(ctx.path);
    const callback = CALLBACK.exec(ctx.path);
    const prefix = providerPath(ctx.path);
    if (prefix === undefined && interaction === null && callback === null) {
      await next();
      return;
    }
    labelRoute(ctx, prefix === undefined ? `/interaction/:uid${callback === null ? '' : '/callback'}` : providerRoute(ctx.path, prefix));
    const built = await host.provider();
    if (interaction !== null && ctx.method === 'GET') {
      if (built.login.idpUrl === '') throw new ServiceUnavailableError('browser sign-in needs identity-idp, and authz.idpUrl is not set');
      const details = await interactionOf(built, ctx);
      if (details.uid !== interaction[1]) throw new BadRequestError('the sign-in does not match this browser session');
      ctx.redirect(await loginRedirect(built.provider, details, built.login));
      return;
    }
    if (callback !== null && ctx.method === 'GET') {
      const details = await interactionOf(built, ctx);
      if (details.uid !== callback[1]) throw new BadRequestError('the sign-in does not match this browser session');
      const result = await verifyLoginResult(queryValue(ctx, 'login_result'), details.uid, built.login);
      const em = host.fork();
      await spendLoginResult(em, result);
      const acr = await reachedAcr(built.provider, details, result);
      if (result.denied) {
        await built.provider.interactionFinished(ctx.req, ctx.res, { error: 'access_denied', error_description: 'the user did not allow access' }, { mergeWithLastSubmission: false });
      } else if (acr === undefined) {
        // OIDC Core §3.1.2.6: the client learns that the sign-in could not be as strong as it must be.
        await built.provider.interactionFinished(ctx.req, ctx.res, {
          error: 'unmet_authentication_requirements',
          error_description: 'this sign-in needs a second factor (or a stronger one) the user has not set up; the user can add one on the identity provider\'s account pages',
        }, { mergeWithLastSubmission: false });
      } else {
        await rememberAccount(em, result);
        const grantId = await grantFor(built.provider, details, result);
        await built.provider.interactionFinished(ctx.req, ctx.res, grantId === undefined
          ? { error: 'invalid_scope', error_description: 'the user is not entitled to any of the requested scopes' }
          : {
            login: { accountId: result.subject, ts: result.authTime, amr: [...result.amr], acr, remember: true },
            consent: { grantId },
          }, { mergeWithLastSubmission: false });
      }
      // The library has written its redirect on the Node response.
      ctx.respond = false;
      return;
    }
    if (interaction !== null || callback !== null) {
      await next();
      return;
    }
    const { body } = ctx.state;
    const req = asGet(ctx, body) ?? (Buffer.isBuffer(body) ? replayBody(ctx.req, body) : ctx.req);
    ctx.res.setHeader('Content-Security-Policy', PAGE_POLICY);
    ctx.respond = false;
    await built.handler(req, ctx.res);
  };
}
