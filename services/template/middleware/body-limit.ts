/**
 * Reads the request body once, bounded, before authentication and validation look at it: JSON is
 * parsed into `ctx.state.body`, every other media type (octet-stream, JOSE compact) stays bytes.
 */
import type Koa from 'koa';
import getRawBody from 'raw-body';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';

/** RFC 8259 §8.1: JSON exchanged between systems is UTF-8; a decoder that throws spots anything else. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** No charset parameter means UTF-8 for JSON (RFC 8259 §11 defines none); `utf8` is a common alias. */
const UTF8_LABELS: ReadonlySet<string> = new Set(['', 'utf-8', 'utf8']);

function isJson(mediaType: string): boolean {
  return mediaType === 'application/json' || (mediaType.startsWith('application/') && mediaType.endsWith('+json'));
}

/** RFC 9110 §6.4.1: a request has content when it declares a non-zero length or a transfer coding. */
function hasBody(ctx: Koa.ParameterizedContext<RequestState>): boolean {
  if (ctx.get('Transfer-Encoding') !== '') return true;
  const length = ctx.get('Content-Length');
  return length !== '' && length !== '0';
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(utf8.decode(bytes));
  } catch {
    // The parser's message quotes the input; a client's own bytes are not echoed back.
    throw new BadRequestError('request body is not valid UTF-8 JSON');
  }
}

/** raw-body reports through http-errors: the status says which limit the client broke. */
function isHttpError(error: unknown, status: number): boolean {
  return error instanceof Error && 'status' in error && error.status === status;
}

/**
 * The rest of an oversized body is never read, so the connection cannot carry another request;
 * closing it stops a client from making the server drain gigabytes it already refused.
 */
function tooLarge(ctx: Koa.ParameterizedContext<RequestState>, limitBytes: number): PayloadTooLargeError {
  ctx.set('Connection', 'close');
  return new PayloadTooLargeError(limitBytes);
}

/** Reads, bounds and decodes the body into `ctx.state.body` (undefined when there is none). */
export function bodyLimit(limitBytes: number): Koa.Middleware<RequestState> {
  const read = bodyReader(limitBytes);
  return async function bodyLimitStep(ctx, next) {
    await read(ctx);
    await next();
  };
}

/**
 * What bodyLimit does to a request, as a plain call: a request without content is settled at once
 * (`undefined`, nothing to wait for), one with content when the promise resolves.
 */
export function bodyReader(limitBytes: number): (ctx: Koa.ParameterizedContext<RequestState>) => Promise<void> | undefined {
  const read = async (ctx: Koa.ParameterizedContext<RequestState>): Promise<void> => {
    const lengthHeader = ctx.get('Content-Length');
    const declared = lengthHeader === '' ? undefined : Number(lengthHeader);
    // Refuse before reading a byte: the client said how much it will send.
    if (declared !== undefined && declared > limitBytes) throw tooLarge(ctx, limitBytes);
    const json = isJson(ctx.request.type);
    const charset = ctx.request.charset.toLowerCase();
    if (json && !UTF8_LABELS.has(charset)) {
      throw new UnsupportedMediaTypeError(`JSON must be sent as UTF-8, not ${charset}`);
    }
    let bytes: Buffer;
    try {
      bytes = await getRawBody(ctx.req, { limit: limitBytes, length: declared });
    } catch (error: unknown) {
      if (isHttpError(error, 413)) throw tooLarge(ctx, limitBytes);
      // raw-body's 400s: the client aborted or sent fewer or more bytes than it declared.
      if (isHttpError(error, 400)) throw new BadRequestError('request body was cut short or does not match Content-Length');
      throw error;
    }
    ctx.state.body = json ? parseJson(bytes) : bytes;
  };
  return (ctx) => {
    ctx.state.body = undefined;
    return hasBody(ctx) ? read(ctx) : undefined;
  };
}
