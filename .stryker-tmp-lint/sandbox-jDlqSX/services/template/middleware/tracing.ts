/**
 * One OpenTelemetry server span per request. Without a started SDK the API hands out no-op spans,
 * so the step costs next to nothing when `telemetry.otlpEndpoint` is empty.
 */
// @ts-nocheck

import { context, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type Koa from 'koa';
import type { RequestState } from '../service.ts';
import { matchedRoute, UNMATCHED_ROUTE } from '../telemetry/route.ts';
import { errorClass, toProblem } from './problem-details.ts';

/**
 * Opens a SERVER span continuing the caller's W3C `traceparent`, named and attributed per the
 * OpenTelemetry HTTP semantic conventions. Exception messages are not recorded: like log lines,
 * spans leave the process and must not carry SQL or secrets.
 */
export function tracing(serviceName: string): Koa.Middleware<RequestState> {
  const tracer = trace.getTracer(serviceName);
  return async function tracingStep(ctx, next) {
    const parent = propagation.extract(context.active(), ctx.headers);
    const span = tracer.startSpan(
      ctx.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path, 'url.scheme': ctx.protocol } },
      parent,
    );
    // A span without a valid context (no SDK started) gives a child nothing to continue, so the
    // parent context serves as is and no context is built per request for it.
    const active = isSpanContextValid(span.spanContext()) ? trace.setSpan(parent, span) : parent;
    let status: number | undefined;
    let thrown: string | undefined;
    try {
      await context.with(active, next);
    } catch (error: unknown) {
      status = toProblem(error).status;
      thrown = errorClass(error);
      throw error;
    } finally {
      const final = status ?? ctx.status;
      const route = matchedRoute(ctx);
      if (route !== UNMATCHED_ROUTE) {
        span.setAttribute('http.route', route);
        span.updateName(`${ctx.method} ${route}`);
      }
      span.setAttribute('http.response.status_code', final);
      // Semantic conventions: on a server span only 5xx is an error; a 4xx is the client's.
      if (final >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', thrown ?? String(final));
      }
      span.end();
    }
  };
}
