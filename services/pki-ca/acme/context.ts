/**
 * What every ACME handler receives and returns: the request's CA, base URL, clock and entity
 * manager in, a status with a JSON or PEM body and headers out. The router adds the headers every
 * response carries (Replay-Nonce, Link rel="index").
 */
import type { EntityManager } from '@mikro-orm/core';
import type Koa from 'koa';

/** A certificate the CA just signed for an ACME order. */
export interface AcmeIssued {
  readonly serialHex: string;
  readonly certificatePem: string;
  /** Issuer first, up to (not necessarily including) the root. */
  readonly chainPem: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The authority key identifier of the certificate, in hex; ARI certIDs start with it. */
  readonly akiHex: string;
}

/** A certificate the CA knows of that was not issued through ACME (ARI and revocation by key). */
export interface KnownCertificate {
  readonly certificatePem: string;
}

/** What the CA answers to a revocation request. */
export type RevokeOutcome = 'revoked' | 'already' | 'unknown';

/** The dependencies of `acmeRoutes`. */
export interface AcmeDeps {
  /** A fresh entity manager per request; all ACME state lives in the database. */
  fork(): EntityManager;
  /** The service's public base URL (`https://host:8380`), without a trailing slash. */
  publicUrl(): string;
  knownCa(name: string): Promise<boolean>;
  /** Whether new accounts under this CA must carry an external account binding. */
  requiresEab(ca: string): boolean;
  /** The HMAC key of an external account binding key id; undefined when the id is unknown. */
  eabKey(keyId: string): Promise<Uint8Array | undefined>;
  /** Signs a CSR whose names the ACME server has already matched to a valid order. */
  issue(ca: string, csrDer: Uint8Array): Promise<AcmeIssued>;
  /** Revokes by serial with an RFC 5280 reason name. */
  revoke(ca: string, serialHex: string, reason: string): Promise<RevokeOutcome>;
  /** A certificate the CA `ca` (or a CA it was rotated to) issued outside ACME, by serial. */
  certificateBySerial?(ca: string, serialHex: string): Promise<KnownCertificate | undefined>;
  /** Ports the server connects to for http-01 (80) and tls-alpn-01 (443). */
  readonly challengePorts: { readonly http: number; readonly tlsAlpn: number };
  /** Maps a host name to the address to connect to (tests map names to 127.0.0.1). */
  resolve?: (host: string) => string;
  /** Terms of service URL shown in the directory's meta. */
  termsOfService?: string;
  now?: () => Date;
}

/** One ACME request, after routing. */
export interface AcmeContext {
  readonly deps: AcmeDeps;
  readonly em: EntityManager;
  readonly ca: string;
  /** `<publicUrl>/acme/<ca>`: every resource URL starts with it. */
  readonly base: string;
  /** The URL the client addressed, as a signed request's `url` header must name it. */
  readonly url: string;
  readonly now: Date;
  /** The resource id (or ARI certID) the route captured; empty for fixed resources. */
  readonly id: string;
  /** The parsed JSON body of a POST (a flattened JWS); undefined for GET and HEAD. */
  readonly body: unknown;
  readonly koa: Koa.Context;
}

/** A handler's answer; `body` is JSON unless `contentType` says otherwise. */
export interface AcmeResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Resource URLs under a CA's base; one row per kind of resource. */
export const resourceUrl = {
  account: (base: string, id: string) => `${base}/acct/${id}`,
  orders: (base: string, id: string) => `${base}/acct/${id}/orders`,
  order: (base: string, id: string) => `${base}/order/${id}`,
  finalize: (base: string, id: string) => `${base}/order/${id}/finalize`,
  authorization: (base: string, id: string) => `${base}/authz/${id}`,
  challenge: (base: string, id: string) => `${base}/chall/${id}`,
  certificate: (base: string, id: string) => `${base}/cert/${id}`,
} as const;
