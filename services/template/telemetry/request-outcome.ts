/**
 * How a request ended, for the steps that observe it from outside the problem renderer (access
 * log, metrics): its final status, also when an error escaped below, and its duration.
 */
import { performance } from 'node:perf_hooks';
import type Koa from 'koa';
import { toProblem } from '../middleware/problem-details.ts';

/** What a request's observed side of the response looks like. */
interface Observed {
  readonly status: number;
  readonly respond?: boolean;
  readonly res: { readonly statusCode: number };
}

/**
 * The status a request that returned normally ended with. A step that answered on the Node response
 * itself (`respond = false`, e.g. a mounted oidc-provider) leaves Koa's own status untouched: the
 * response's is the one sent.
 */
export function finalStatus(ctx: Observed): number {
  return ctx.respond === false ? ctx.res.statusCode : ctx.status;
}

/** Runs the rest of the pipeline, then reports status and milliseconds; rethrows what escaped. */
export async function observeRequest(
  ctx: Observed,
  next: Koa.Next,
  finished: (status: number, durationMs: number) => void,
): Promise<void> {
  const started = performance.now();
  let status: number | undefined;
  try {
    await next();
  } catch (error: unknown) {
    status = toProblem(error).status;
    throw error;
  } finally {
    finished(status ?? finalStatus(ctx), performance.now() - started);
  }
}
