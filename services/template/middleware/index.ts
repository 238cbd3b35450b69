/**
 * The request pipelines of the two listeners, outermost first, in one place (DESIGN "Two HTTPS
 * listeners"). The server assembly appends authentication, validation and handlers per route.
 */
import type Koa from 'koa';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TemplateConfig } from '../config/schema.ts';
import type { RequestState } from '../service.ts';
import { performance } from 'node:perf_hooks';
import { recordRequest } from '../telemetry/metrics.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { finalStatus } from '../telemetry/request-outcome.ts';
import { logAccess } from './access-log.ts';
import { bodyReader } from './body-limit.ts';
import { clientAddressResolver } from './client-address.ts';
import { BROWSER_PREFIX, browserCorsStep } from './cors.ts';
import { allowlistCheck } from './ip-allowlist.ts';
import { problemRenderer, toProblem } from './problem-details.ts';
import { rateLimitGate } from './rate-limit.ts';
import { assignRequestId } from './request-id.ts';
import { securityHeaderSetter } from './security-headers.ts';
import { tracing } from './tracing.ts';

export { ADMIN_BODY_LIMIT_BYTES, adminPipeline } from './admin-pipeline.ts';

export interface PipelineDeps {
  readonly logger: Logger;
  readonly serviceName: string;
  readonly config: TemplateConfig;
  readonly metrics: Metrics;
  /** Required when `rateLimit.redisUrl` is set: `createRateLimitStore(url)`, closed by the caller at shutdown. */
  readonly redis?: Redis;
}

/**
 * Public listener, as two steps of plain calls (three with tracing) rather than one Koa step per
 * concern: each step is an async frame, a closure and a promise per request, and the concerns below
 * need none of their own. The order is the one each concern needs:
 *
 * 1. `requestFrameStep`: the client's address (`http.trustedProxies`), so every later step names the
 *    client alike; the request id; then, around the rest, the problem renderer (every later step
 *    throws), inside the access log and the metrics, which record the final status.
 * 2. `tracingStep`, only with `telemetry.otlpEndpoint` (without it its spans would be no-ops).
 * 3. `admissionStep`: the IP allowlist (only when configured), the rate limiter (a refused request
 *    carries its limit headers, not the hardening ones, as before), the security headers, CORS on
 *    `/browser/` paths, and the bounded body read.
 */
export function publicPipeline(deps: PipelineDeps): Koa.Middleware<RequestState>[] {
  const { config } = deps;
  if (config.rateLimit.redisUrl !== '' && deps.redis === undefined) {
    throw new Error('rateLimit.redisUrl is set: pass createRateLimitStore(config.rateLimit.redisUrl) as deps.redis');
  }
  return [
    requestFrame(deps),
    ...(config.telemetry.otlpEndpoint === '' ? [] : [tracing(deps.serviceName)]),
    admission(deps),
  ];
}

/** Client address, request id, problem renderer, access log and metrics, in that nesting. */
function requestFrame({ config, logger, metrics }: PipelineDeps): Koa.Middleware<RequestState> {
  const resolveClient = clientAddressResolver(config.http.trustedProxies);
  const problems = problemRenderer(logger);
  return async function requestFrameStep(ctx, next) {
    resolveClient(ctx);
    assignRequestId(ctx);
    const started = performance.now();
    // Set only when the renderer itself failed: then the status is what that error would answer.
    let escaped: number | undefined;
    try {
      let failed = false;
      try {
        await next();
      } catch (error: unknown) {
        failed = true;
        problems.caught(ctx, error);
      }
      if (!failed) problems.returned(ctx);
    } catch (error: unknown) {
      escaped = toProblem(error).status;
      throw error;
    } finally {
      const status = escaped ?? finalStatus(ctx);
      const durationMs = performance.now() - started;
      recordRequest(metrics, ctx, status, durationMs);
      logAccess(logger, ctx, status, durationMs);
    }
  };
}

/** Allowlist, rate limit, security headers, CORS and body, in that order; each refusal throws. */
function admission({ config, logger, metrics, redis, serviceName }: PipelineDeps): Koa.Middleware<RequestState> {
  const allow = config.ipAllowlist.length === 0 ? undefined : allowlistCheck(config.ipAllowlist);
  const limit = rateLimitGate({
    perSecond: config.rateLimit.perSecond,
    burst: config.rateLimit.burst,
    ...(redis === undefined ? {} : { redis }),
    namespace: `cryptoutil:ratelimit:${serviceName}`,
    onStoreFailure: config.rateLimit.onStoreFailure,
    logger,
    storeFailures: metrics.rateLimitStoreFailures,
  });
  const harden = securityHeaderSetter(config.auth.issuer);
  const browserCors = browserCorsStep(config.cors.origins);
  const readBody = bodyReader(config.body.limitBytes);
  const bodyThenNext = async (ctx: Koa.ParameterizedContext<RequestState>, next: Koa.Next): Promise<void> => {
    const reading = readBody(ctx);
    if (reading !== undefined) await reading;
    await next();
  };
  return async function admissionStep(ctx, next) {
    allow?.(ctx);
    if (limit !== undefined) await limit(ctx);
    harden(ctx);
    if (ctx.path.startsWith(BROWSER_PREFIX)) {
      await browserCors(ctx, () => bodyThenNext(ctx, next));
      return;
    }
    const reading = readBody(ctx);
    if (reading !== undefined) await reading;
    await next();
  };
}
