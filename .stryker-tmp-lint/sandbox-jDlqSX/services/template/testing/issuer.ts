/**
 * An in-process OAuth 2.1 authorization server for tests and benchmarks: HTTPS on 127.0.0.1 with a
 * self-signed certificate, discovery metadata, a JWKS, RFC 9068 JWT access tokens and a
 * client-credentials token endpoint. It stands in for identity-authz wherever a real one would be
 * too heavy, with the same wire behaviour the template relies on.
 */
// @ts-nocheck

import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { x509 } from '../tls/x509.ts';

export type TestIssuerAlgorithm = 'ES256' | 'RS256';

export interface TestIssuerOptions {
  readonly alg?: TestIssuerAlgorithm;
  /** Lifetime of issued tokens in seconds (default 300). */
  readonly tokenLifetimeSeconds?: number;
}

export interface ServiceTokenOptions {
  readonly clientId: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  readonly expiresIn?: number;
  /** RFC 7638 thumbprint of a DPoP key: the token is bound to it (`cnf.jkt`, RFC 9449 §6.1). */
  readonly jkt?: string;
}

export interface UserTokenOptions extends ServiceTokenOptions {
  readonly subject: string;
}

export interface TestIssuer {
  /** The issuer identifier (`iss`), e.g. `https://127.0.0.1:43123`. */
  readonly url: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  /** PEM of the self-signed server certificate: trust it as the CA. */
  readonly ca: string;
  /** How often each path was requested, e.g. `hits('/jwks')`. */
  hits(path: string): number;
  /** RFC 9068 §2.2 client-credentials token: `sub` equals `client_id`, `gty` is `client_credentials`. */
  serviceToken(options: ServiceTokenOptions): Promise<string>;
  /** A user's token, as an authorization code + PKCE flow would issue it (`gty` `authorization_code`). */
  userToken(options: UserTokenOptions): Promise<string>;
  /** Signs exactly `claims` with the current key, for tests of malformed tokens. */
  sign(claims: JWTPayload, header?: { readonly typ?: string; readonly kid?: string }): Promise<string>;
  /** Registers a confidential client for `POST /token` (HTTP Basic client authentication). */
  addClient(id: string, secret: string, scopes: readonly string[]): void;
  /** A new signing key with a new `kid`; the old key leaves the JWKS. */
  rotateKey(): Promise<void>;
  close(): Promise<void>;
}

/** A self-signed ECDSA P-256 server certificate for 127.0.0.1 and localhost, as PEM. */
export async function selfSignedCertificate(names: { readonly ips?: readonly string[]; readonly dns?: readonly string[] } = {}): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const alternativeNames = [
    ...(names.ips ?? ['127.0.0.1']).map((value) => ({ type: 'ip' as const, value })),
    ...(names.dns ?? ['localhost']).map((value) => ({ type: 'dns' as const, value })),
  ];
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=cryptoutil test issuer',
    keys,
    signingAlgorithm: algorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    extensions: [
      new x509.SubjectAlternativeNameExtension(alternativeNames),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: certificate.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

async function newSigningKey(alg: TestIssuerAlgorithm): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

interface Client {
  readonly secretDigest: Buffer;
  readonly scopes: readonly string[];
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** RFC 6749 §5.2 error response. */
class TokenError extends Error {
  readonly status: number;
  readonly error: string;
  constructor(status: number, error: string, description: string) {
    super(description);
    this.status = status;
    this.error = error;
  }
}

// RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  const decoded = Buffer.from(match?.[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  const formDecode = (value: string): string => decodeURIComponent(value.replaceAll('+', ' '));
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  response.end(JSON.stringify(body));
}

/** Starts the issuer on an ephemeral port; `close()` it when done. */
export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const alg = options.alg ?? 'ES256';
  const lifetime = options.tokenLifetimeSeconds ?? 300;
  const tls = await selfSignedCertificate();
  let key = await newSigningKey(alg);
  const clients = new Map<string, Client>();
  const hits = new Map<string, number>();
  let url = '';

  const sign = (claims: JWTPayload, header: { readonly typ?: string; readonly kid?: string } = {}): Promise<string> =>
    new SignJWT(claims).setProtectedHeader({ alg, typ: header.typ ?? 'at+jwt', kid: header.kid ?? key.kid }).sign(key.privateKey);

  // RFC 9068 §2.2: iss, exp, aud, sub, client_id, iat, jti; scope per §2.2.3; gty as identity-authz sets it.
  const accessToken = (subject: string, grantType: string, token: ServiceTokenOptions): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return sign({
      iss: url, sub: subject, aud: token.audience, client_id: token.clientId, scope: token.scopes.join(' '),
      iat: now, exp: now + (token.expiresIn ?? lifetime), jti: randomUUID(), gty: grantType,
      ...(token.jkt === undefined ? {} : { cnf: { jkt: token.jkt } }),
    });
  };

  const tokenEndpoint = async (request: IncomingMessage): Promise<{ body: unknown; headers?: Record<string, string> }> => {
    const credentials = basicCredentials(request.headers.authorization);
    const client = credentials === undefined ? undefined : clients.get(credentials.id);
    if (credentials === undefined || client === undefined || !timingSafeEqual(client.secretDigest, digest(credentials.secret))) {
      throw new TokenError(401, 'invalid_client', 'client authentication failed');
    }
    const form = await readForm(request);
    if (form.get('grant_type') !== 'client_credentials') {
      throw new TokenError(400, 'unsupported_grant_type', 'only client_credentials is supported');
    }
    const resource = form.get('resource'); // RFC 8707 §2: the audience of the token
    if (resource === null || resource === '') {
      throw new TokenError(400, 'invalid_target', 'a resource parameter is required');
    }
    const requested = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
    const scopes = requested.length === 0 ? client.scopes : requested;
    if (!scopes.every((scope) => client.scopes.includes(scope))) {
      throw new TokenError(400, 'invalid_scope', 'a requested scope is not allowed for this client');
    }
    const token = await accessToken(credentials.id, 'client_credentials', { clientId: credentials.id, audience: resource, scopes });
    return { body: { access_token: token, token_type: 'Bearer', expires_in: lifetime, scope: scopes.join(' ') } };
  };

  const metadata = (): unknown => ({
    issuer: url,
    jwks_uri: `${url}/jwks`,
    token_endpoint: `${url}/token`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic'],
    response_types_supported: ['code'],
  });

  const routes = new Map<string, (request: IncomingMessage) => Promise<{ body: unknown }> | { body: unknown }>([
    ['GET /.well-known/openid-configuration', () => ({ body: metadata() })],
    ['GET /.well-known/oauth-authorization-server', () => ({ body: metadata() })],
    ['GET /jwks', () => ({ body: { keys: [key.publicJwk] } })],
    // identity-idp's key path, so that the issuer can stand in for identity-idp as well.
    ['GET /.well-known/jwks.json', () => ({ body: { keys: [key.publicJwk] } })],
    ['POST /token', tokenEndpoint],
  ]);

  const server: Server = createServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.3' }, (request, response) => {
    const path = new URL(request.url ?? '/', url).pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(`${request.method ?? 'GET'} ${path}`);
    if (route === undefined) {
      send(response, 404, { error: 'not_found' });
      return;
    }
    Promise.resolve(route(request)).then(
      (result) => { send(response, 200, result.body); },
      (error: unknown) => {
        const failure = error instanceof TokenError ? error : new TokenError(500, 'server_error', 'unexpected failure');
        const headers: Record<string, string> = failure.status === 401 ? { 'www-authenticate': 'Basic realm="test-issuer"' } : {};
        send(response, failure.status, { error: failure.error, error_description: failure.message }, headers);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    jwksUri: `${url}/jwks`,
    tokenEndpoint: `${url}/token`,
    ca: tls.cert,
    hits: (path) => hits.get(path) ?? 0,
    serviceToken: (token) => accessToken(token.clientId, 'client_credentials', token),
    userToken: (token) => accessToken(token.subject, 'authorization_code', token),
    sign,
    addClient(id, secret, scopes) {
      clients.set(id, { secretDigest: digest(secret), scopes: [...scopes] });
    },
    async rotateKey() {
      key = await newSigningKey(alg);
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => { if (error === undefined) resolve(); else reject(error); });
    }),
  };
}
