/**
 * Paging and the caller as every sm-kms handler reads them: `page` from 0 and `size` 1–100 already
 * coerced and defaulted by the template's OpenAPI validation; the actor from the verified token.
 */
import { InternalError } from '../../template/errors/index.ts';
import type { OperationContext } from '../../template/service.ts';
import type { Actor } from '../context.ts';

export interface PageRequest {
  readonly page: number;
  readonly size: number;
}

/** Reads `page` and `size` from the validated query. */
export function pageOf(ctx: OperationContext): PageRequest {
  return { page: ctx.state.query.page as number, size: ctx.state.query.size as number };
}

/** The path's elastic key id (validated as a UUID by the document). */
export function keyIdOf(ctx: OperationContext): string {
  return ctx.state.params.id as string;
}

/** Who is calling; every sm-kms operation requires a token, so a missing principal is a template bug. */
export function actorOf(ctx: OperationContext): Actor {
  const principal = ctx.state.principal;
  if (principal === undefined) throw new InternalError(new Error('an sm-kms operation ran without a principal'));
  return { subject: principal.subject, clientId: principal.clientId };
}
