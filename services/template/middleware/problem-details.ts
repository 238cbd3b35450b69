/**
 * The one place where errors become responses: RFC 9457 `application/problem+json`. Everything
 * below it throws; nothing below it writes an error body by hand.
 */
import type Koa from 'koa';
import type { Logger } from 'pino';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InternalError,
  MethodNotAllowedError,
  NotFoundError,
  ProblemError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableEntityError,
  UnsupportedMediaTypeError,
} from '../errors/index.ts';
import { isDatabaseUnavailable } from '../database/unavailable.ts';
import type { RequestState } from '../service.ts';

/** RFC 9457 §3.1 `type`: a URN per problem code, stable for clients to switch on. */
export const PROBLEM_TYPE_PREFIX = 'urn:cryptoutil:problem:';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The client-facing part of an http-errors style error (Koa's `ctx.throw`, raw-body, routers). */
interface HttpErrorSource {
  readonly detail: string;
  header(name: string): string | undefined;
}

type ProblemFactory = (source: HttpErrorSource) => ProblemError;

/**
 * Status of a library's 4xx error → the nearest class of our hierarchy. A 413 keeps the base class
 * because PayloadTooLargeError words its detail from a byte limit a generic error does not carry.
 */
const NEAREST_PROBLEM: Readonly<Partial<Record<number, ProblemFactory>>> = {
  400: (source) => new BadRequestError(source.detail),
  401: (source) => new UnauthorizedError(source.detail, source.header('WWW-Authenticate')),
  403: (source) => new ForbiddenError(source.detail),
  404: (source) => new NotFoundError(source.detail),
  405: (source) => new MethodNotAllowedError(headerList(source.header('Allow'))),
  409: (source) => new ConflictError(source.detail),
  413: (source) => new ProblemError(413, 'payload_too_large', 'Payload Too Large', { detail: source.detail }),
  415: (source) => new UnsupportedMediaTypeError(source.detail),
  422: (source) => new UnprocessableEntityError(source.detail),
  429: (source) => new TooManyRequestsError(retryAfterSeconds(source.header('Retry-After'))),
};

/** A 4xx status outside the table is still the client's fault: 400 is the nearest generic answer. */
const FALLBACK_CLIENT_PROBLEM: ProblemFactory = (source) => new BadRequestError(source.detail);

/** Responses downstream finished with a status but no body: the router's "no route" answers. */
const EMPTY_RESPONSE_PROBLEM: Readonly<Partial<Record<number, (ctx: Koa.ParameterizedContext<RequestState>) => ProblemError>>> = {
  404: () => new NotFoundError(),
  405: (ctx) => new MethodNotAllowedError(headerList(ctx.response.get('Allow'))),
};

function headerList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** RFC 9110 §10.2.3: delay-seconds; anything else becomes the shortest sensible wait. */
function retryAfterSeconds(value: string | undefined): number {
  const seconds = Number(value);
  return Number.isSafeInteger(seconds) && seconds > 0 ? seconds : 1;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** http-errors shape: a numeric 4xx `status`/`statusCode`, `expose: true`, a string message. */
function clientHttpError(error: unknown): { status: number; source: HttpErrorSource } | undefined {
  if (!(error instanceof Error) || !isRecord(error)) return undefined;
  const status = typeof error.status === 'number' ? error.status : error.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499 || error.expose !== true) return undefined;
  const headers = isRecord(error.headers) ? error.headers : {};
  const header = (name: string): string | undefined => {
    const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : headers[key];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  };
  return { status, source: { detail: error.message, header } };
}

/**
 * How long a client should wait while the database is away: about the time a restarted PostgreSQL
 * takes to accept connections again, and the pool reconnects on the next request by itself.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** At most one log line per this many milliseconds while the database stays unreachable. */
export const DATABASE_LOG_INTERVAL_MS = 30_000;

/** The problem a thrown value will be answered with; also used by steps that report the status. */
export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  const http = clientHttpError(error);
  if (http !== undefined) return (NEAREST_PROBLEM[http.status] ?? FALLBACK_CLIENT_PROBLEM)(http.source);
  // The detail names no component: a refused socket may come from another backing service too,
  // and a 503 with Retry-After is the right answer for any of them.
  if (isDatabaseUnavailable(error)) {
    return new ServiceUnavailableError('a backing service is unavailable; retry later', DATABASE_RETRY_AFTER_SECONDS);
  }
  return new InternalError(error);
}

/** A class name is safe to log; a message or stack may hold SQL, paths or secrets. */
export function errorClass(error: unknown): string {
  if (isRecord(error) && typeof error.constructor === 'function') return error.constructor.name;
  return typeof error;
}

/**
 * What a log line may say of an error raised outside a request (a sweep, a bootstrap): its class,
 * and the message only of our own problems, whose messages are written for users; never a driver's
 * message, which may quote SQL with its parameters (sealed blobs, names).
 */
export function loggableError(error: unknown): { readonly error: string; readonly reason?: string } {
  return error instanceof ProblemError ? { error: errorClass(error), reason: error.message } : { error: errorClass(error) };
}

function render(ctx: Koa.ParameterizedContext<RequestState>, problem: ProblemError): void {
  ctx.status = problem.status;
  for (const [name, value] of Object.entries(problem.headers)) ctx.set(name, value);
  ctx.body = {
    type: `${PROBLEM_TYPE_PREFIX}${problem.code}`,
    title: problem.title,
    status: problem.status,
    ...(problem.expose ? { detail: problem.message } : {}),
    instance: ctx.state.requestId,
    code: problem.code,
    ...(problem.errors.length > 0 ? { errors: problem.errors } : {}),
  };
  ctx.type = PROBLEM_CONTENT_TYPE;
}

export interface ProblemDetailsOptions {
  /** Clock for the database-outage log interval (milliseconds); tests move it. */
  readonly now?: () => number;
}

/**
 * One warning when the database becomes unreachable, then one per interval with the number of
 * requests answered 503 meanwhile: an outage under load must not turn into a log flood.
 */
function databaseOutageLog(logger: Logger, now: () => number): (error: unknown) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const at = now();
    if (at - lastAt < DATABASE_LOG_INTERVAL_MS) {
      suppressed += 1;
      return;
    }
    const { code } = error as { code?: unknown };
    logger.warn(
      { component: 'database', error: errorClass(error), ...(typeof code === 'string' ? { code } : {}), suppressed },
      'database unavailable: answering 503 until it returns',
    );
    lastAt = at;
    suppressed = 0;
  };
}

/** The problem renderer's two moments, as plain calls for a step that wraps `next()` itself. */
export interface ProblemRenderer {
  /** Answers what downstream threw; unexpected errors are logged by class only. */
  caught(ctx: Koa.ParameterizedContext<RequestState>, error: unknown): void;
  /** Downstream returned: a status without a body (the router's "no route") gets its problem. */
  returned(ctx: Koa.ParameterizedContext<RequestState>): void;
}

export function problemRenderer(logger: Logger, options: ProblemDetailsOptions = {}): ProblemRenderer {
  const databaseUnavailable = databaseOutageLog(logger, options.now ?? Date.now);
  return {
    caught(ctx, error) {
      const problem = toProblem(error);
      if (!(error instanceof ProblemError) && problem.code === 'service_unavailable') databaseUnavailable(error);
      if (problem.code === 'internal_error') {
        const cause = error === problem ? problem.cause : undefined;
        logger.error(
          { requestId: ctx.state.requestId, error: errorClass(error), ...(cause === undefined ? {} : { cause: errorClass(cause) }) },
          'request failed with an internal error',
        );
      }
      render(ctx, problem);
    },
    returned(ctx) {
      const empty = ctx.body == null ? EMPTY_RESPONSE_PROBLEM[ctx.status] : undefined;
      if (empty !== undefined) render(ctx, empty(ctx));
    },
  };
}

/** Renders every error below it as RFC 9457 problem+json; unexpected errors are logged by class only. */
export function problemDetails(logger: Logger, options: ProblemDetailsOptions = {}): Koa.Middleware<RequestState> {
  const problems = problemRenderer(logger, options);
  return async function problemDetailsStep(ctx, next) {
    try {
      await next();
    } catch (error: unknown) {
      problems.caught(ctx, error);
      return;
    }
    problems.returned(ctx);
  };
}
