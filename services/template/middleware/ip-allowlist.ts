/**
 * Network-level admission for the public listener (`ipAllowlist`). It judges the client address
 * the pipeline's first step resolved: the TCP peer, or what a trusted proxy forwarded
 * (`http.trustedProxies`); a forwarded-for header from anyone else is ignored, since it would let
 * anyone claim an allowed address.
 */
import type Koa from 'koa';
import { ForbiddenError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { cidrPredicate } from './client-address.ts';

/**
 * A predicate over peer addresses; an empty list admits everyone (the documented default). Exposed
 * so the CIDR rules can be checked without sockets.
 */
export function allowlistPredicate(cidrs: readonly string[]): (address: string | undefined) => boolean {
  return cidrs.length === 0 ? () => true : cidrPredicate('ipAllowlist', cidrs);
}

/** Refuses with 403 any request whose client is outside the configured CIDRs. */
export function ipAllowlist(cidrs: readonly string[]): Koa.Middleware<RequestState> {
  const admit = allowlistCheck(cidrs);
  return async function ipAllowlistStep(ctx, next) {
    admit(ctx);
    await next();
  };
}

/** What ipAllowlist does to a request, as a plain call: throws ForbiddenError outside the CIDRs. */
export function allowlistCheck(cidrs: readonly string[]): (ctx: Koa.ParameterizedContext<RequestState>) => void {
  const allowed = allowlistPredicate(cidrs);
  return (ctx) => {
    if (!allowed(ctx.ip)) throw new ForbiddenError('client address is not allowed');
  };
}
