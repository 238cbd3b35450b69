/**
 * JWKS publishing (issue 17 point 2): `GET /jwks/{name}/.well-known/jwks.json` without a token,
 * the public JWKs of the set's next, active and retired keys. Verifiers may cache it for
 * `jose.jwksMaxAgeSeconds`, which is also how long a next key is published before it may sign; a
 * strong ETag over the body answers `If-None-Match` with 304. The serialized document is cached per
 * set (this path is benchmarked): dropped at once on a change in this process, renewed from the
 * set's version by other replicas within REVALIDATE_MS.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Middleware } from 'koa';
import { BadRequestError, NotFoundError } from '../template/errors/index.ts';
import type { RequestState } from '../template/service.ts';
import { VersionedCache } from './cache.ts';
import type { KeySet } from './entities.ts';
import { keysOf } from './key-sets.ts';
import { KEY_SET_NAME } from './rules.ts';

/** One set's JWKS as served: the exact bytes and their strong validator. */
export interface JwksDocument {
  readonly body: Buffer;
  readonly etag: string;
}

/** The set's JWKS, serialized once. */
export async function buildJwks(em: EntityManager, set: KeySet): Promise<JwksDocument> {
  const keys = await keysOf(em, set);
  // A set always has keys; none means it was deleted after it was read, and an empty JWKS must not be cached or served.
  if (keys.length === 0) throw new NotFoundError(`no key set named ${set.name}`);
  const body = Buffer.from(JSON.stringify({ keys: keys.map((key) => key.publicJwk) }));
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

/** The JWKS of every set, cached by version. */
export function jwksCache(fork: () => EntityManager, now: () => number): VersionedCache<JwksDocument> {
  return new VersionedCache({ fork, now, build: async (em, set) => ({ value: await buildJwks(em, set) }) });
}

const JWKS_PATH = /^\/jwks\/([^/]*)\/\.well-known\/jwks\.json$/;

/** The set name of the path, decoded; anything that is not a set name (`..`, `%2F`, …) is a 400. */
function setNameOf(encoded: string): string {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    throw new BadRequestError('the key set name in the path is not valid percent-encoding');
  }
  if (!KEY_SET_NAME.test(name)) throw new BadRequestError('a key set name is 1 to 63 lower-case letters, digits and inner hyphens');
  return name;
}

/** Serves `GET|HEAD /jwks/<name>/.well-known/jwks.json`; every other request goes on. Unknown set: 404. */
export function jwksRoute(cache: VersionedCache<JwksDocument>, maxAgeSeconds: number): Middleware<RequestState> {
  const cacheControl = `public, max-age=${String(maxAgeSeconds)}`;
  return async function jwksDocument(ctx, next) {
    const match = JWKS_PATH.exec(ctx.path);
    if (match === null || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
      await next();
      return;
    }
    const document = await cache.get(setNameOf(String(match[1])));
    ctx.set('Cache-Control', cacheControl);
    ctx.set('ETag', document.etag);
    ctx.status = 200;
    // RFC 9110 §13.1.2: If-None-Match compares weakly; `ctx.fresh` does exactly that.
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/json';
    ctx.body = document.body;
  };
}
