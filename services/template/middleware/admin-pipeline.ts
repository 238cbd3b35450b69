/**
 * The admin listener's pipeline, apart from the public one so that a process with an admin listener
 * only (the operator) loads none of the public listener's dependencies (Redis, CORS, tracing).
 */
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { RequestState } from '../service.ts';
import { accessLog } from './access-log.ts';
import { bodyLimit } from './body-limit.ts';
import { problemDetails } from './problem-details.ts';
import { requestId } from './request-id.ts';
import { securityHeaders } from './security-headers.ts';

/** Admin requests are probes, scrapes and one unseal share at a time: nothing needs more. */
export const ADMIN_BODY_LIMIT_BYTES = 64 * 1024;

/** Admin listener (loopback only): no allowlist, rate limit or CORS; probes must never be refused. */
export function adminPipeline(deps: { readonly logger: Logger; readonly serviceName: string }): Koa.Middleware<RequestState>[] {
  return [requestId(), accessLog(deps.logger), problemDetails(deps.logger), securityHeaders(), bodyLimit(ADMIN_BODY_LIMIT_BYTES)];
}
