/**
 * The route template a request matched, for metric labels and span names: templates are few, raw
 * paths carry ids and would make every request its own time series.
 */
import type Koa from 'koa';

/** Label for requests no route matched (404s, preflights, refusals before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/** `ctx._matchedRoute` as @koa/router leaves it (e.g. `/service/api/v1/pets/:id`), else `unmatched`. */
export function matchedRoute(ctx: Koa.ParameterizedContext): string {
  const route: unknown = ctx._matchedRoute;
  return typeof route === 'string' ? route : UNMATCHED_ROUTE;
}

/**
 * For a service that answers a request outside the router (identity-idp's pages): the route label
 * it should carry. Only a fixed path may be given, never one holding an id or a token.
 */
export function labelRoute(ctx: Koa.ParameterizedContext, route: string): void {
  ctx._matchedRoute = route;
}
