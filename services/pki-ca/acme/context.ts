/**
 * What every ACME handler receives and returns: the request's CA, base URL, clock and entity
 * manager in, a status with a JSON or PEM body and headers out. The router adds the headers every
 * response carries (Replay-Nonce, Link rel="index").
 */
import type { EntityManager } from '@mikro-orm/core';
import type Koa from 'koa';
import type { AcmeDeps } from './deps.ts';

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
  /** Path segments the route captured (an id or an ARI certID). */
  readonly params: readonly string[];
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
