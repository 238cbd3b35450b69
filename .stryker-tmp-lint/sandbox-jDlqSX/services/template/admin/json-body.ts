// @ts-nocheck
import type { ParameterizedContext } from 'koa';
import { ValidationError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';

/**
 * The admin pipeline's body step has already read (bounded) and parsed the JSON; this only insists
 * on an object. `optional` lets an endpoint with defaults accept no body at all.
 */
export function jsonObjectBody(ctx: ParameterizedContext<RequestState>, optional: boolean): Readonly<Record<string, unknown>> {
  const body = ctx.state.body;
  if (body === undefined && optional) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new ValidationError([{ pointer: '/body', message: 'must be a JSON object (Content-Type: application/json)' }]);
  }
  return body as Readonly<Record<string, unknown>>;
}
