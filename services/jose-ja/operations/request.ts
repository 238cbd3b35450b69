/**
 * What the operation handlers read from a request (RequestState): the key set named in the path,
 * the caller, raw bytes, a JOSE object in either serialization, and the JSON body of the JWT calls.
 */
import { BadRequestError, UnauthorizedError } from '../../template/errors/index.ts';
import { isJsonObject } from '../../template/jose/header.ts';
import type { OperationContext } from '../../template/service.ts';

/** RFC 7515 §9 / RFC 7516 §9: compact serialization is `application/jose`, JSON serialization `application/jose+json`. */
export const JOSE_COMPACT = 'application/jose';
export const JOSE_JSON = 'application/jose+json';

/** The name of the key set the path names. */
export function setNameOf(ctx: OperationContext): string {
  return ctx.state.params.name as string;
}

/** Who asked: every operation route is authenticated, so a missing principal is refused, never audited as nobody. */
export function actorOf(ctx: OperationContext): { readonly subject: string; readonly clientId: string } {
  const { principal } = ctx.state;
  if (principal === undefined) throw new UnauthorizedError('an access token is required');
  return { subject: principal.subject, clientId: principal.clientId };
}

/** The raw request body; no body is the empty byte string (signing or encrypting nothing is allowed). */
export function bytesOf(ctx: OperationContext): Buffer {
  return ctx.state.body === undefined ? Buffer.alloc(0) : ctx.state.body as Buffer;
}

/**
 * A JOSE object as sent: compact text (`application/jose` stays bytes; compact serialization is
 * ASCII) or the parsed JSON serialization (`application/jose+json` is parsed like any +json body).
 */
export function joseObjectOf(ctx: OperationContext): string | Readonly<Record<string, unknown>> {
  const { body } = ctx.state;
  if (Buffer.isBuffer(body)) return body.toString('latin1').trim();
  if (isJsonObject(body)) return body;
  throw new BadRequestError('the body must be a compact JOSE object (application/jose) or its JSON serialization (application/jose+json)');
}

/** `?serialization=json` asks for the flattened JSON serialization; compact is the default. */
export function wantsJson(ctx: OperationContext): boolean {
  return ctx.state.query.serialization === 'json';
}

/** The JSON body of the JWT operations. */
export function jsonBodyOf(ctx: OperationContext): Readonly<Record<string, unknown>> {
  const { body } = ctx.state;
  if (!isJsonObject(body)) throw new BadRequestError('the body must be a JSON object');
  return body;
}

/** An optional whole number of seconds within the contract's bounds. */
export function optionalSeconds(body: Readonly<Record<string, unknown>>, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BadRequestError(`${name} must be a whole number from ${String(min)} to ${String(max)}`);
  }
  return value;
}

/** A whole number of seconds within bounds, or the contract's default. */
export function secondsOf(body: Readonly<Record<string, unknown>>, name: string, min: number, max: number, fallback: number): number {
  return optionalSeconds(body, name, min, max) ?? fallback;
}
