/**
 * The ACME server (RFC 8555, with RFC 9773 renewal information) as one Koa middleware serving
 * `/acme/<ca>/…`. The route table below is the whole protocol surface; each handler sits in a file
 * named after its resource. ACME answers its own errors as problem+json with ACME error types, and
 * every answer carries a fresh Replay-Nonce and the directory's Link.
 */
import type Koa from 'koa';
import getRawBody from 'raw-body';
import { accountOrders, keyChange, newAccount, updateAccount } from './accounts.ts';
import { authorization, challenge } from './authorizations.ts';
import { downloadCertificate, revokeCertificate } from './certificates.ts';
import type { AcmeContext, AcmeDeps, AcmeResponse } from './context.ts';
import { directory, newNonce } from './directory.ts';
import { issueNonce } from './nonces.ts';
import { finalizeOrder, getOrder, newOrder } from './orders.ts';
import { AcmeProblem } from './problems.ts';
import { renewalInfo } from './renewal-info.ts';

/** Largest signed request read; a CSR with 100 names fits many times over. */
export const ACME_BODY_LIMIT_BYTES = 64 * 1024;

interface Route {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly path: RegExp;
  readonly handler: (acme: AcmeContext) => Promise<AcmeResponse>;
}

const ID = '([0-9a-f-]{36})';

/** Every ACME resource, method and path under `/acme/<ca>/`. */
const ROUTES: readonly Route[] = [
  { method: 'GET', path: /^directory$/, handler: directory },
  { method: 'HEAD', path: /^new-nonce$/, handler: newNonce },
  { method: 'GET', path: /^new-nonce$/, handler: newNonce },
  { method: 'POST', path: /^new-account$/, handler: newAccount },
  { method: 'POST', path: new RegExp(`^acct/${ID}$`), handler: updateAccount },
  { method: 'POST', path: new RegExp(`^acct/${ID}/orders$`), handler: accountOrders },
  { method: 'POST', path: /^key-change$/, handler: keyChange },
  { method: 'POST', path: /^new-order$/, handler: newOrder },
  { method: 'POST', path: new RegExp(`^order/${ID}$`), handler: getOrder },
  { method: 'POST', path: new RegExp(`^order/${ID}/finalize$`), handler: finalizeOrder },
  { method: 'POST', path: new RegExp(`^authz/${ID}$`), handler: authorization },
  { method: 'POST', path: new RegExp(`^chall/${ID}$`), handler: challenge },
  { method: 'POST', path: new RegExp(`^cert/${ID}$`), handler: downloadCertificate },
  { method: 'POST', path: /^revoke-cert$/, handler: revokeCertificate },
  { method: 'GET', path: /^renewal-info\/([A-Za-z0-9_.-]+)$/, handler: renewalInfo },
];

const PREFIX = /^\/acme\/([a-z0-9][a-z0-9-]{0,62})\/(.*)$/;

/** The route and its captures for a method and path, or the problem to answer. */
function route(method: string, path: string): { readonly route: Route; readonly id: string } {
  const matching = ROUTES.flatMap((row) => {
    const captured = row.path.exec(path);
    return captured === null ? [] : [{ route: row, id: captured.length > 1 ? String(captured[1]) : '' }];
  });
  const found = matching.find((item) => item.route.method === method);
  if (found === undefined) {
    throw matching.length === 0
      ? new AcmeProblem('notFound', 'no ACME resource at this URL')
      : new AcmeProblem('malformed', `${method} is not allowed here`, { status: 405, headers: { Allow: matching.map((item) => item.route.method).join(', ') } });
  }
  return found;
}

/** RFC 8555 §6.2: a POST body is `application/jose+json`; a pipeline may have parsed it already. */
async function readBody(ctx: Koa.Context): Promise<unknown> {
  if (ctx.request.is('application/jose+json') === false) {
    throw new AcmeProblem('malformed', 'requests must be application/jose+json', { status: 415 });
  }
  const parsed = (ctx.state as { body?: unknown }).body;
  if (parsed !== undefined) return parsed;
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit: ACME_BODY_LIMIT_BYTES, encoding: 'utf8' });
  } catch {
    throw new AcmeProblem('malformed', `the body must be at most ${ACME_BODY_LIMIT_BYTES} bytes`, { status: 413 });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AcmeProblem('malformed', 'the body is not JSON');
  }
}

function write(ctx: Koa.Context, response: AcmeResponse): void {
  ctx.status = response.status;
  for (const [name, value] of Object.entries(response.headers ?? {})) ctx.set(name, value);
  if (response.body === undefined) {
    ctx.body = null;
    ctx.status = response.status;
    return;
  }
  ctx.type = response.contentType ?? 'application/json';
  ctx.body = response.contentType === undefined ? JSON.stringify(response.body) : response.body;
}

function problemResponse(error: unknown): AcmeResponse {
  const problem = error instanceof AcmeProblem ? error : new AcmeProblem('serverInternal', 'the server failed to process the request');
  return { status: problem.status, body: problem.document(), contentType: 'application/problem+json', headers: problem.headers };
}

/** The ACME middleware; it calls `next()` for paths outside `/acme/`. */
export function acmeRoutes(deps: AcmeDeps): Koa.Middleware {
  return async function acme(ctx, next) {
    const match = PREFIX.exec(ctx.path);
    if (match === null) {
      await next();
      return;
    }
    const ca = String(match[1]);
    const base = `${deps.publicUrl()}/acme/${ca}`;
    const em = deps.fork();
    const now = deps.now?.() ?? new Date();
    let response: AcmeResponse;
    try {
      if (!await deps.knownCa(ca)) {
        throw new AcmeProblem('notFound', 'no such CA');
      }
      const found = route(ctx.method, String(match[2]));
      const body = ctx.method === 'POST' ? await readBody(ctx) : undefined;
      response = await found.route.handler({ deps, em, ca, base, url: `${deps.publicUrl()}${ctx.path}`, now, id: found.id, body, koa: ctx });
    } catch (error) {
      response = problemResponse(error);
    }
    ctx.set('Replay-Nonce', await issueNonce(em, now));
    ctx.set('Link', `<${base}/directory>;rel="index"`);
    ctx.set('Cache-Control', 'no-store');
    write(ctx, { ...response, body: ctx.method === 'HEAD' ? undefined : response.body });
  };
}
