/**
 * One error hierarchy for every service. Code throws a subclass where the failure is found; the
 * outermost problem-details middleware turns it into RFC 9457 `application/problem+json`.
 */
// @ts-nocheck


/** Stable machine-readable codes; tests assert these, never the message text. */
export type ProblemCode =
  | 'bad_request'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'unprocessable_entity'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'service_unavailable'
  | 'internal_error';

/** One failing field of a request, as named by OpenAPI validation. */
export interface FieldError {
  /** JSON pointer into the request part, e.g. `/body/priceCents` or `/query/size`. */
  readonly pointer: string;
  readonly message: string;
}

export interface ProblemOptions {
  readonly detail?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly errors?: readonly FieldError[];
  readonly cause?: unknown;
}

/** Base of every error that becomes a problem response. `expose` false hides the detail. */
export class ProblemError extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly title: string;
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly errors: readonly FieldError[];

  constructor(status: number, code: ProblemCode, title: string, options: ProblemOptions = {}) {
    super(options.detail ?? title, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.title = title;
    this.expose = status < 500;
    this.headers = options.headers ?? {};
    this.errors = options.errors ?? [];
  }
}

export class BadRequestError extends ProblemError {
  constructor(detail: string, options: Omit<ProblemOptions, 'detail'> = {}) {
    super(400, 'bad_request', 'Bad Request', { ...options, detail });
  }
}

/** A request that does not match the OpenAPI document; `errors` names each failing field. */
export class ValidationError extends ProblemError {
  constructor(errors: readonly FieldError[]) {
    const first = errors[0];
    const detail = first === undefined ? 'request is invalid' : `${first.pointer} ${first.message}`;
    super(400, 'validation_failed', 'Request validation failed', { detail, errors });
  }
}

/** RFC 6750 §3: a missing or bad bearer token answers 401 with a `WWW-Authenticate` challenge. */
export class UnauthorizedError extends ProblemError {
  constructor(detail: string, challenge = 'Bearer') {
    super(401, 'unauthorized', 'Unauthorized', { detail, headers: { 'WWW-Authenticate': challenge } });
  }
}

export class ForbiddenError extends ProblemError {
  constructor(detail: string, options: Omit<ProblemOptions, 'detail'> = {}) {
    super(403, 'forbidden', 'Forbidden', { ...options, detail });
  }
}

export class NotFoundError extends ProblemError {
  constructor(detail = 'no such resource') {
    super(404, 'not_found', 'Not Found', { detail });
  }
}

/** RFC 9110 §15.5.6: a 405 names the allowed methods. */
export class MethodNotAllowedError extends ProblemError {
  constructor(allowed: readonly string[]) {
    super(405, 'method_not_allowed', 'Method Not Allowed', {
      detail: `allowed methods: ${allowed.join(', ')}`,
      headers: { Allow: allowed.join(', ') },
    });
  }
}

export class ConflictError extends ProblemError {
  constructor(detail: string) {
    super(409, 'conflict', 'Conflict', { detail });
  }
}

export class UnprocessableEntityError extends ProblemError {
  constructor(detail: string) {
    super(422, 'unprocessable_entity', 'Unprocessable Entity', { detail });
  }
}

export class PayloadTooLargeError extends ProblemError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', 'Payload Too Large', { detail: `request body exceeds ${limitBytes} bytes` });
  }
}

export class UnsupportedMediaTypeError extends ProblemError {
  constructor(detail: string) {
    super(415, 'unsupported_media_type', 'Unsupported Media Type', { detail });
  }
}

export class TooManyRequestsError extends ProblemError {
  constructor(retryAfterSeconds: number) {
    super(429, 'too_many_requests', 'Too Many Requests', {
      detail: `rate limit exceeded; retry after ${retryAfterSeconds} s`,
      headers: { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** 503 with an exposed detail: the service is sealed, draining or missing a dependency. */
export class ServiceUnavailableError extends ProblemError {
  override readonly expose = true;
  constructor(detail: string, retryAfterSeconds?: number) {
    super(503, 'service_unavailable', 'Service Unavailable', {
      detail,
      headers: retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
    });
  }
}

/** Anything unexpected. The cause is logged by message class only, never sent to the client. */
export class InternalError extends ProblemError {
  constructor(cause?: unknown) {
    super(500, 'internal_error', 'Internal Server Error', { detail: 'internal error', cause });
  }
}

/** Bad usage or bad configuration of the `cryptoutil` command: exit code 2 with this message. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
