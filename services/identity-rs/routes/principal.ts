/**
 * The caller as the template proved it: what a team sees here is exactly what its own handlers get
 * in `ctx.state.principal` once the token, its scopes and any DPoP proof have been checked.
 */
import type { OperationContext, OperationHandlers, Principal } from '../../template/service.ts';
import { InternalError } from '../../template/errors/index.ts';

/** Who is calling; every identity-rs operation requires a token, so a missing principal is a template bug. */
export function principalOf(ctx: OperationContext): Principal {
  const { principal } = ctx.state;
  if (principal === undefined) throw new InternalError(new Error('an identity-rs operation ran without a principal'));
  return principal;
}

/** The API shape of a principal. */
export function presentPrincipal(principal: Principal): Record<string, unknown> {
  const { boundKey } = principal;
  return {
    sub: principal.subject,
    clientId: principal.clientId,
    kind: principal.kind,
    scopes: [...principal.scopes].sort(),
    // The template accepts a bound token only with the DPoP scheme and a proof (RFC 9449 §7.1).
    tokenType: boundKey === undefined ? 'Bearer' : 'DPoP',
    ...(boundKey === undefined ? {} : { jkt: boundKey }),
    expiresAt: new Date(principal.expiresAt * 1000).toISOString(),
  };
}

/** Handler for `/principal`. */
export const principalHandlers: OperationHandlers = {
  getPrincipal(ctx) {
    ctx.body = presentPrincipal(principalOf(ctx));
  },
};
