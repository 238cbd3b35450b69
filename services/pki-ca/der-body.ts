/**
 * The DER request body of a protocol route (OCSP, time-stamps): checked for its media type and
 * bounded in size, taken from the service's body-limit step when that already read it into bytes.
 */
import type Koa from 'koa';
import getRawBody from 'raw-body';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../template/errors/index.ts';

/** What a route accepts as its request body. */
export interface DerBodyRules {
  /** The only media type accepted (`application/ocsp-request`). */
  readonly mediaType: string;
  /** The request, for the 415 detail: `an OCSP request`. */
  readonly what: string;
  readonly limitBytes: number;
  /** The protocol's error for a body that cannot be read (the client went away mid-body). */
  readonly unreadable: (cause: unknown) => Error;
}

async function readRawBody(ctx: Koa.Context, rules: DerBodyRules): Promise<Uint8Array> {
  try {
    return await getRawBody(ctx.req, { limit: rules.limitBytes });
  } catch (error: unknown) {
    if (error instanceof Error && 'status' in error && error.status === 413) throw new PayloadTooLargeError(rules.limitBytes);
    throw rules.unreadable(error);
  }
}

/** The request body's bytes; a 415 for another media type, a 413 over the limit. */
export async function readDerBody(ctx: Koa.Context, rules: DerBodyRules): Promise<Uint8Array> {
  if (!ctx.is(rules.mediaType)) throw new UnsupportedMediaTypeError(`${rules.what} is sent as ${rules.mediaType}`);
  const state: unknown = (ctx.state as { body?: unknown }).body;
  const body = state instanceof Uint8Array ? state : await readRawBody(ctx, rules);
  if (body.length > rules.limitBytes) throw new PayloadTooLargeError(rules.limitBytes);
  return body;
}
