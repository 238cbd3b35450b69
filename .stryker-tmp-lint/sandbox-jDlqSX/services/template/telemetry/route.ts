/**
 * The route template a request matched, for metric labels and span names: templates are few, raw
 * paths carry ids and would make every request its own time series.
 */
// @ts-nocheck

import type Koa from 'koa';

/** Label for requests no route matched (404s, preflights, refusals before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

/** `ctx._matchedRoute` as @koa/router leaves it (e.g. `/service/api/v1/pets/:id`), else `unmatched`. */
export function matchedRoute(ctx: Koa.ParameterizedContext): string {
  const route: unknown = ctx._matchedRoute;
  return typeof route === 'string' ? route : UNMATCHED_ROUTE;
}
