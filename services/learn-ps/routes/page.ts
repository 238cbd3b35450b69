/**
 * Paging as every list operation of the Pet Store reads it: `page` from 0 and `size` 1–100, both
 * already coerced and defaulted by the template's OpenAPI validation.
 */
import type { OperationContext } from '../../template/service.ts';

/** The requested page plus the `limit`/`offset` MikroORM wants. */
export interface PageRequest {
  readonly page: number;
  readonly size: number;
  readonly limit: number;
  readonly offset: number;
}

/** Reads `page` and `size` from the validated query. */
export function pageOf(ctx: OperationContext): PageRequest {
  const page = ctx.state.query.page as number;
  const size = ctx.state.query.size as number;
  return { page, size, limit: size, offset: page * size };
}
