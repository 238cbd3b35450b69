/**
 * RFC 6960 Appendix A and RFC 5019 §5: OCSP over HTTP. `POST /pki/v1/ocsp/<ca>` carries the DER
 * request as its body; `GET /pki/v1/ocsp/<ca>/<url-encoded base64 DER>` lets caches keep answers.
 * Failures of the request itself are OCSP error responses, not problem documents.
 */
import type Koa from 'koa';
import { MethodNotAllowedError } from '../../template/errors/index.ts';
import type { x509 } from '../../template/tls/x509.ts';
import type { CaSigner } from '../contract.ts';
import { readDerBody, type DerBodyRules } from '../der-body.ts';
import { OcspMalformedRequestError, parseOcspRequest, type OcspRequest } from './request.ts';
import { buildOcspResponse, ocspErrorResponse, type CertStatus, type OcspErrorStatus } from './response.ts';

/** What the responder of one CA needs: the CA, who signs for it, and the status store. */
export interface OcspAuthority {
  readonly issuer: x509.X509Certificate;
  readonly responder: CaSigner;
  readonly lookup: (serialHex: string) => Promise<CertStatus>;
  /** Seconds a response stays fresh (thisUpdate to nextUpdate); one hour when absent. */
  readonly validitySeconds?: number;
}

/** Options of the OCSP routes; `now` is for tests. */
export interface OcspRouteOptions {
  readonly now?: () => Date;
}

const PREFIX = '/pki/v1/ocsp/';
const REQUEST_MEDIA_TYPE = 'application/ocsp-request';
const RESPONSE_MEDIA_TYPE = 'application/ocsp-response';
/** Requests are a few hundred bytes; 64 KiB leaves room for signed requests with chains. */
export const OCSP_BODY_LIMIT_BYTES = 65_536;
const DEFAULT_VALIDITY_SECONDS = 3600;
/** A CA name is one path segment of safe characters. */
const CA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

interface OcspPath {
  readonly caName: string;
  /** The base64 text of a GET request, still URL-encoded; undefined for the POST path. */
  readonly encoded?: string;
}

function ocspPath(path: string): OcspPath | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const rest = path.slice(PREFIX.length);
  const slash = rest.indexOf('/');
  const caName = slash === -1 ? rest : rest.slice(0, slash);
  if (!CA_NAME.test(caName)) return undefined;
  return slash === -1 ? { caName } : { caName, encoded: rest.slice(slash + 1) };
}

/** RFC 5019 §5: the path segment is the URL-encoded base64 of the DER request ('/' may stay raw). */
function decodeGetRequest(encoded: string): Uint8Array {
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch (error: unknown) {
    throw new OcspMalformedRequestError('the request path is not URL-encoded', { cause: error });
  }
  if (text === '' || !BASE64.test(text)) throw new OcspMalformedRequestError('the request path is not base64');
  return Buffer.from(text, 'base64');
}

const BODY_RULES: DerBodyRules = {
  mediaType: REQUEST_MEDIA_TYPE,
  what: 'an OCSP request',
  limitBytes: OCSP_BODY_LIMIT_BYTES,
  unreadable: (cause) => new OcspMalformedRequestError('the request body could not be read', { cause }),
};

interface Answer {
  readonly der: Uint8Array;
  /** Seconds the answer may be cached; absent for error responses. */
  readonly maxAge?: number;
  readonly thisUpdate?: Date;
}

function errorAnswer(status: OcspErrorStatus): Answer {
  return { der: ocspErrorResponse(status) };
}

async function answer(find: () => Promise<OcspAuthority | undefined>, request: OcspRequest, now: Date): Promise<Answer> {
  let authority: OcspAuthority | undefined;
  try {
    authority = await find();
  } catch {
    return errorAnswer('internalError');
  }
  // RFC 6960 §2.3: a CA this responder does not serve is answered `unauthorized`.
  if (authority === undefined) return errorAnswer('unauthorized');
  const validitySeconds = authority.validitySeconds ?? DEFAULT_VALIDITY_SECONDS;
  try {
    const der = await buildOcspResponse({ responder: authority.responder, issuer: authority.issuer, request, lookup: authority.lookup, now, validitySeconds });
    return { der, maxAge: validitySeconds, thisUpdate: now };
  } catch {
    // The store or the key failed; the client may retry, and nothing of the failure is sent.
    return errorAnswer('internalError');
  }
}

function send(ctx: Koa.Context, result: Answer, cacheable: boolean): void {
  ctx.status = 200;
  ctx.type = RESPONSE_MEDIA_TYPE;
  ctx.body = Buffer.from(result.der);
  if (!cacheable || result.maxAge === undefined || result.thisUpdate === undefined) {
    ctx.set('Cache-Control', 'no-store');
    return;
  }
  // RFC 5019 §6.2: caches keep a GET answer until nextUpdate and never transform it.
  ctx.set('Cache-Control', `max-age=${String(result.maxAge)}, public, no-transform, must-revalidate`);
  ctx.set('Last-Modified', result.thisUpdate.toUTCString());
  ctx.set('Expires', new Date(result.thisUpdate.getTime() + result.maxAge * 1000).toUTCString());
}

/** Serves OCSP for every CA `resolve` knows; unknown CAs get an `unauthorized` response. */
export function ocspRoutes(resolve: (caName: string) => Promise<OcspAuthority | undefined>, options: OcspRouteOptions = {}): Koa.Middleware {
  const clock = options.now ?? (() => new Date());
  return async function ocspResponder(ctx, next) {
    const path = ocspPath(ctx.path);
    if (path === undefined) {
      await next();
      return;
    }
    const get = path.encoded !== undefined;
    const method = get ? 'GET' : 'POST';
    if (ctx.method !== method && !(get && ctx.method === 'HEAD')) throw new MethodNotAllowedError(get ? ['GET', 'HEAD'] : ['POST']);
    let request: OcspRequest;
    try {
      request = parseOcspRequest(path.encoded === undefined ? await readDerBody(ctx, BODY_RULES) : decodeGetRequest(path.encoded));
    } catch (error: unknown) {
      if (!(error instanceof OcspMalformedRequestError)) throw error;
      send(ctx, errorAnswer('malformedRequest'), false);
      return;
    }
    const now = clock();
    send(ctx, await answer(() => resolve(path.caName), request, now), get);
  };
}
