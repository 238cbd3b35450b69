/**
 * The request pipelines of the two listeners, outermost first, in one place (DESIGN "Two HTTPS
 * listeners"). The server assembly appends authentication, validation and handlers per route.
 */
import type Koa from 'koa';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { TemplateConfig } from '../config/schema.ts';
import type { RequestState } from '../service.ts';
import { metricsMiddleware } from '../telemetry/metrics.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { accessLog } from './access-log.ts';
import { bodyLimit } from './body-limit.ts';
import { resolveClientAddress } from './client-address.ts';
import { cors } from './cors.ts';
import { ipAllowlist } from './ip-allowlist.ts';
import { problemDetails } from './problem-details.ts';
import { rateLimit } from './rate-limit.ts';
import { requestId } from './request-id.ts';
import { securityHeaders } from './security-headers.ts';
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
 * Public listener. The client's address is resolved first (`http.trustedProxies`), so every step
 * names the client alike. The problem renderer sits inside the access log and the metrics (they record
 * the final status) and inside the request id (its `instance` is known); every step after it throws.
 * A step that configuration turns off is left out rather than passed through on every request:
 * tracing without `telemetry.otlpEndpoint` (its spans would be no-ops), the allowlist when empty.
 */
export function publicPipeline(deps: PipelineDeps): Koa.Middleware<RequestState>[] {
  const { config } = deps;
  if (config.rateLimit.redisUrl !== '' && deps.redis === undefined) {
    throw new Error('rateLimit.redisUrl is set: pass createRateLimitStore(config.rateLimit.redisUrl) as deps.redis');
  }
  return [
    resolveClientAddress(config.http.trustedProxies),
    requestId(),
    accessLog(deps.logger),
    metricsMiddleware(deps.metrics),
    problemDetails(deps.logger),
    ...(config.telemetry.otlpEndpoint === '' ? [] : [tracing(deps.serviceName)]),
    ...(config.ipAllowlist.length === 0 ? [] : [ipAllowlist(config.ipAllowlist)]),
    rateLimit({
      perSecond: config.rateLimit.perSecond,
      burst: config.rateLimit.burst,
      ...(deps.redis === undefined ? {} : { redis: deps.redis }),
      namespace: `cryptoutil:ratelimit:${deps.serviceName}`,
      onStoreFailure: config.rateLimit.onStoreFailure,
      logger: deps.logger,
      storeFailures: deps.metrics.rateLimitStoreFailures,
    }),
    securityHeaders(config.auth.issuer),
    cors(config.cors.origins),
    bodyLimit(config.body.limitBytes),
  ];
}
