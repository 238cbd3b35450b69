/**
 * Enrollment over Secure Transport (RFC 7030) under `/.well-known/est/` (the default CA) and
 * `/.well-known/est/<ca>/`. Bodies are base64 DER both ways (§4); certificates travel as certs-only
 * CMS. Who may enroll:
 * - `cacerts` and `csrattrs` are open (§4.1.1, §4.5.1);
 * - `simpleenroll` and `serverkeygen` take a bearer token with `ca:issue`, which may ask for any name
 *   the CA's profile allows, or a client certificate of this CA, which may ask only for its own
 *   subject and names again;
 * - `simplereenroll` takes only a client certificate, and the request must repeat its subject and
 *   names exactly (§4.2.2).
 */
import type { Middleware } from 'koa';
import { TLSSocket } from 'node:tls';
import { webcrypto } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { BadRequestError, ForbiddenError, MethodNotAllowedError, NotFoundError, UnauthorizedError, UnsupportedMediaTypeError } from '../../template/errors/index.ts';
import type { Authenticate } from '../../template/openapi/router.ts';
import type { RequestState } from '../../template/service.ts';
import { x509 } from '../../template/tls/x509.ts';
import { certsOnly, csrAttributes } from './pkcs7.ts';

/** What EST needs of the CA. */
export interface EstDeps {
  /** The CA `/.well-known/est/` serves without a label. */
  readonly defaultCa: string;
  /** The CA's certificate followed by its parents up to the root; undefined for a CA that does not exist. */
  chain(ca: string): Promise<readonly x509.X509Certificate[] | undefined>;
  /** Issues a certificate for the CSR under the CA's EST profile; throws a 400 problem when the profile refuses. */
  enroll(ca: string, csr: x509.Pkcs10CertificateRequest): Promise<x509.X509Certificate>;
  /** True when a presented client certificate was issued by this CA's hierarchy and is neither expired nor revoked. */
  clientCertificateValid(certificate: x509.X509Certificate): Promise<boolean>;
  /** The API's token check. */
  readonly authenticate: Authenticate;
}

/** The scope an EST enrollment by token needs. */
export const EST_SCOPE = 'ca:issue';
/** The signature algorithm this CA asks clients to sign CSRs with (csrattrs). */
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const PKCS10 = 'application/pkcs10';
const CERTS_ONLY = 'application/pkcs7-mime; smime-type=certs-only';

const PREFIX = '/.well-known/est/';
type Operation = 'cacerts' | 'simpleenroll' | 'simplereenroll' | 'csrattrs' | 'serverkeygen';
/** Each operation's method (RFC 7030 §3.2.2). */
const METHODS: Readonly<Record<Operation, 'GET' | 'POST'>> = { cacerts: 'GET', simpleenroll: 'POST', simplereenroll: 'POST', csrattrs: 'GET', serverkeygen: 'POST' };

function isOperation(name: string): name is Operation {
  return Object.hasOwn(METHODS, name);
}

/** `/.well-known/est/[<ca>/]<operation>` split into its label and operation, or undefined. */
export function estTarget(path: string): { readonly ca: string | undefined; readonly operation: Operation } | undefined {
  if (!path.startsWith(PREFIX)) return undefined;
  const parts = path.slice(PREFIX.length).split('/');
  const operation = String(parts.at(-1));
  if (!isOperation(operation) || parts.length > 2) return undefined;
  return { ca: parts.length === 2 ? parts[0] : undefined, operation };
}

/** Base64 with line breaks, as RFC 7030 §4 sends every body (RFC 2045 lines of 76). */
function base64Lines(der: Uint8Array): string {
  return `${Buffer.from(der).toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The DER a client sent as base64 (whitespace ignored); a 400 naming the problem otherwise. */
function base64Body(body: unknown): Buffer {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new BadRequestError('the request has no body: send the PKCS#10 request as base64 DER');
  const text = body.toString('latin1').replace(/\s+/g, '');
  if (!BASE64.test(text)) throw new BadRequestError('the body is not base64: send the PKCS#10 request as base64 DER (RFC 7030 §4.2.1)');
  return Buffer.from(text, 'base64');
}

/** The CSR of an enrollment: media type, encoding, structure and signature checked. */
async function csrOf(ctx: { readonly state: RequestState; get(name: string): string }): Promise<x509.Pkcs10CertificateRequest> {
  const mediaType = ctx.get('Content-Type').split(';', 1).join('').trim().toLowerCase();
  if (mediaType !== PKCS10) throw new UnsupportedMediaTypeError(`send the request as ${PKCS10}, not "${mediaType}"`);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(base64Body(ctx.state.body));
  } catch (error) {
    if (error instanceof BadRequestError) throw error;
    throw new BadRequestError('the body is not a DER PKCS#10 certification request');
  }
  if (!await csr.verify()) throw new BadRequestError('the certification request\'s signature does not verify with its own key');
  return csr;
}

/** The names a certificate or request asks for: subject and SAN, in a comparable form. */
export function identityOf(item: x509.X509Certificate | x509.Pkcs10CertificateRequest): string {
  const san = item.extensions.find((extension) => extension instanceof x509.SubjectAlternativeNameExtension);
  const names = san === undefined ? [] : san.names.toJSON().map((name) => `${name.type}:${name.value}`).sort();
  return JSON.stringify([item.subject, names]);
}

/** The client certificate presented in the TLS handshake, if the listener asked for one. */
function peerCertificate(socket: unknown): x509.X509Certificate | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const peer = socket.getPeerX509Certificate();
  return peer === undefined ? undefined : new x509.X509Certificate(peer.raw);
}

type Caller = { readonly by: 'token' } | { readonly by: 'certificate'; readonly certificate: x509.X509Certificate };

/**
 * Who asks: a bearer token with `ca:issue` when one is sent (a bad token is refused, never
 * ignored), else a valid client certificate of this CA, else 401.
 */
async function callerOf(ctx: { readonly req: { readonly socket: unknown }; readonly method: string; readonly path: string; get(name: string): string }, deps: EstDeps, tokenAllowed: boolean): Promise<Caller> {
  const authorization = ctx.get('Authorization');
  if (authorization !== '' && tokenAllowed) {
    await deps.authenticate(authorization, 'service', [EST_SCOPE], { method: ctx.method, path: ctx.path, dpop: ctx.get('DPoP') === '' ? undefined : ctx.get('DPoP') });
    return { by: 'token' };
  }
  const certificate = peerCertificate(ctx.req.socket);
  if (certificate !== undefined) {
    if (!await deps.clientCertificateValid(certificate)) throw new ForbiddenError('the client certificate was not issued by this CA, has expired or is revoked');
    return { by: 'certificate', certificate };
  }
  throw new UnauthorizedError(tokenAllowed ? `present a client certificate of this CA or a bearer token with ${EST_SCOPE}` : 'simplereenroll renews the client certificate presented in TLS: present it');
}

/** A certificate may only ask for itself again: the same subject and names (RFC 7030 §4.2.2). */
function requireSameIdentity(caller: Caller, csr: x509.Pkcs10CertificateRequest): void {
  if (caller.by === 'token') return;
  if (identityOf(caller.certificate) !== identityOf(csr)) {
    throw new ForbiddenError('a client certificate may only enroll its own subject and subject alternative names again');
  }
}

/** A key the server makes for `serverkeygen` (RFC 7030 §4.4): P-256, exported once as PKCS#8. */
async function keyedRequest(csr: x509.Pkcs10CertificateRequest): Promise<{ readonly csr: x509.Pkcs10CertificateRequest; readonly pkcs8: Uint8Array }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: csr.subject,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: csr.extensions,
  });
  return { csr: request, pkcs8: new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

/** The EST routes; every other path goes on to `next`. */
export function estRoutes(deps: EstDeps): Middleware<RequestState> {
  return async function est(ctx, next) {
    const target = estTarget(ctx.path);
    if (target === undefined) {
      await next();
      return;
    }
    const method = METHODS[target.operation];
    if (ctx.method !== method && !(method === 'GET' && ctx.method === 'HEAD')) throw new MethodNotAllowedError([method]);
    const ca = target.ca ?? deps.defaultCa;
    const chain = await deps.chain(ca);
    if (chain === undefined) throw new NotFoundError(`no CA is named "${ca}"`);
    ctx.set('Content-Transfer-Encoding', 'base64');
    switch (target.operation) {
      case 'cacerts':
        ctx.type = CERTS_ONLY;
        ctx.body = base64Lines(certsOnly(chain));
        return;
      case 'csrattrs':
        ctx.type = 'application/csrattrs';
        ctx.body = base64Lines(csrAttributes([ECDSA_WITH_SHA256]));
        return;
      case 'simpleenroll':
      case 'simplereenroll': {
        const csr = await csrOf(ctx);
        const caller = await callerOf(ctx, deps, target.operation === 'simpleenroll');
        requireSameIdentity(caller, csr);
        const certificate = await deps.enroll(ca, csr);
        ctx.type = CERTS_ONLY;
        ctx.body = base64Lines(certsOnly([certificate]));
        return;
      }
      case 'serverkeygen': {
        const csr = await csrOf(ctx);
        const caller = await callerOf(ctx, deps, true);
        requireSameIdentity(caller, csr);
        const keyed = await keyedRequest(csr);
        try {
          const certificate = await deps.enroll(ca, keyed.csr);
          const boundary = `est-${randomUUID()}`;
          ctx.type = `multipart/mixed; boundary=${boundary}`;
          ctx.remove('Content-Transfer-Encoding');
          ctx.body = [
            `--${boundary}`, 'Content-Type: application/pkcs8', 'Content-Transfer-Encoding: base64', '', base64Lines(keyed.pkcs8),
            `--${boundary}`, `Content-Type: ${CERTS_ONLY}`, 'Content-Transfer-Encoding: base64', '', base64Lines(certsOnly([certificate])),
            `--${boundary}--`, '',
          ].join('\r\n');
        } finally {
          keyed.pkcs8.fill(0);
        }
        return;
      }
    }
  };
}
