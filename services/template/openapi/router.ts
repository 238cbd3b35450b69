/**
 * Routes every OpenAPI operation under both API prefixes (DESIGN "Two HTTPS listeners"): the same
 * operation answers `/service/api/v1/...` with client-credentials tokens and `/browser/api/v1/...`
 * with user tokens. Each route runs authentication → validation → the service's handler.
 */
import Router, { type RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import { MethodNotAllowedError } from '../errors/index.ts';
import type { OperationHandler, OperationHandlers, Principal, RequestState, TokenKind } from '../service.ts';
import { listOperations, type OpenApiDocument, type OperationSpec } from './document.ts';
import { compileRequestValidator, type RequestValidator } from './validate.ts';

/**
 * Proves the caller of one request: the `Authorization` header (undefined when absent), the token
 * kind the prefix demands and the operation's scopes. Throws UnauthorizedError or ForbiddenError.
 */
/** What a DPoP proof (RFC 9449) must match: the request's method, path and `DPoP` header. */
export interface RequestTarget {
  readonly method: string;
  /** The path as requested, without the query. */
  readonly path: string;
  readonly dpop: string | undefined;
}

export type Authenticate = (authorization: string | undefined, kind: TokenKind, scopes: readonly string[], request?: RequestTarget) => Promise<Principal>;

/** Where each token kind's copy of the API lives (DESIGN). */
export const API_PREFIXES: Readonly<Record<TokenKind, string>> = {
  service: '/service/api/v1',
  browser: '/browser/api/v1',
};

export interface OperationRouterOptions {
  readonly document: OpenApiDocument;
  readonly handlers: OperationHandlers;
  readonly authenticate: Authenticate;
  readonly prefixes?: Readonly<Record<TokenKind, string>>;
  /** Run after validation and before the handler (`ServiceDefinition.middleware`). */
  readonly middleware?: readonly Middleware<RequestState>[];
  /** Builds an operation's validator; compileRequestValidator unless given. */
  readonly compile?: (operation: OperationSpec) => RequestValidator;
}

type Step = RouterMiddleware<RequestState>;

function headerValue(ctx: Parameters<Step>[0], name: string): string | undefined {
  const value = ctx.get(name);
  return value === '' ? undefined : value;
}

/**
 * An operation's validator, compiled at its first request and kept: compiling every operation at
 * start took about 200 ms of learn-ps's start-up, for operations a process may never serve. Every
 * service's operations are compiled by services/openapi-validators.test.ts, so a schema Ajv refuses
 * is found by the tests, not by a first request.
 */
function compiledOnFirstUse(operation: OperationSpec, compile: (operation: OperationSpec) => RequestValidator): RequestValidator {
  let validate: RequestValidator | undefined;
  return (request) => {
    validate ??= compile(operation);
    return validate(request);
  };
}

/** The query of a request without one: Koa would parse the empty string into a new object per request. */
const NO_QUERY: Readonly<Record<string, never>> = Object.freeze({});

/**
 * One route's run as one step of plain calls: authentication (unless the operation is public),
 * validation and the handler; each would otherwise be a step of its own that the router composes
 * anew on every request. The service's middleware, when it has some, runs between validation and
 * the handler as steps of the route (see operationRouter).
 */
function operationStep(route: {
  readonly operation: OperationSpec;
  readonly kind: TokenKind;
  readonly authenticate: Authenticate;
  readonly validate: RequestValidator;
  readonly extra: readonly Step[];
  readonly handler: OperationHandler;
}): Step {
  const { operation, kind, authenticate, validate, handler } = route;
  const handles = route.extra.length === 0;
  return async function runOperation(ctx, next) {
    if (!operation.public) {
      const request: RequestTarget = { method: ctx.method, path: ctx.path, dpop: headerValue(ctx, 'dpop') };
      ctx.state.principal = await authenticate(headerValue(ctx, 'authorization'), kind, operation.scopes, request);
    }
    const validated = validate({
      pathParams: ctx.params,
      query: ctx.querystring === '' ? NO_QUERY : ctx.query,
      header: (name) => headerValue(ctx, name),
      contentType: headerValue(ctx, 'content-type'),
      body: ctx.state.body,
    });
    ctx.state.params = validated.params;
    ctx.state.query = validated.query;
    if (handles) await handler(ctx);
    else await next();
  };
}

/** Pairs each operation with its handler; the two must name exactly the same operationIds. */
function pairHandlers(operations: readonly OperationSpec[], handlers: OperationHandlers): [OperationSpec, OperationHandler][] {
  const pairs: [OperationSpec, OperationHandler][] = [];
  const missing: string[] = [];
  for (const operation of operations) {
    const handler = Object.hasOwn(handlers, operation.operationId) ? handlers[operation.operationId] : undefined;
    if (handler === undefined) {
      missing.push(operation.operationId);
    } else {
      pairs.push([operation, handler]);
    }
  }
  if (missing.length > 0) {
    throw new Error(`no handler for operationId ${missing.join(', ')}`);
  }
  const known = new Set(operations.map((operation) => operation.operationId));
  const unknown = Object.keys(handlers).filter((operationId) => !known.has(operationId));
  if (unknown.length > 0) {
    throw new Error(`handler for operationId ${unknown.join(', ')}, which the OpenAPI document does not declare`);
  }
  return pairs;
}

const KINDS: readonly TokenKind[] = ['service', 'browser'];

/** The router's `next` when no route matched: nothing to do inside the router. */
const UNROUTED = (): Promise<void> => Promise.resolve();

/**
 * The public API as one middleware. Throws at construction when handlers and document disagree.
 * A known path with another method throws MethodNotAllowedError; an unknown path falls through.
 */
export function operationRouter(options: OperationRouterOptions): Middleware<RequestState> {
  const pairs = pairHandlers(listOperations(options.document), options.handlers);
  const prefixes = options.prefixes ?? API_PREFIXES;
  const extra: readonly Step[] = options.middleware ?? [];
  // OpenAPI 3.1 §4.8.8.2: a concrete path wins over a templated one, whatever the order.
  const router = new Router<RequestState>({ exclusive: 'specificity' });

  for (const [operation, handler] of pairs) {
    const validate = compiledOnFirstUse(operation, options.compile ?? compileRequestValidator);
    for (const kind of KINDS) {
      const step = operationStep({ operation, kind, authenticate: options.authenticate, validate, extra, handler });
      router.register(`${prefixes[kind]}${operation.koaPath}`, [operation.method], extra.length === 0 ? [step] : [step, ...extra, (ctx) => handler(ctx)]);
    }
  }

  const routes = router.routes();
  return async function operationRoutes(ctx, next) {
    // The router adds `params`, `router` and `routeMatched` to the context itself. Its `next` runs
    // only when no route matched (an operation's step never calls it): then this step goes on.
    const routed = ctx as Parameters<typeof routes>[0];
    await routes(routed, UNROUTED);
    if (routed.routeMatched === true) return;
    // RFC 9110 §15.5.6: the path exists, the method does not.
    const allowed = new Set(router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods));
    if (allowed.size > 0) {
      throw new MethodNotAllowedError([...allowed]);
    }
    await next();
  };
}
