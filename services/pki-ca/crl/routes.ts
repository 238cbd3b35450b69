/**
 * The public CRL URLs every certificate names: `GET /pki/v1/crl/<ca>.crl` (full) and
 * `GET /pki/v1/crl/<ca>-delta.crl` (delta), DER as `application/pkix-crl`, without authentication.
 * They serve the newest stored CRL; a CA that has none yet gets its first ones built on the spot.
 * Caches may keep a CRL until its nextUpdate, and revalidate it by ETag or Last-Modified.
 */
import type { Middleware } from 'koa';
import { MethodNotAllowedError, NotFoundError } from '../../template/errors/index.ts';
import type { CrlKind } from './entities.ts';
import type { CrlPublisher } from './publisher.ts';

const PATH = /^\/pki\/v1\/crl\/([^/]+)\.crl$/;
const DELTA_SUFFIX = '-delta';
const MEDIA_TYPE = 'application/pkix-crl';

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The CA and kind a path segment names. `<name>-delta` is the delta CRL of `<name>` when that is
 * a CA; otherwise it is the full CRL of a CA named `<name>-delta`.
 */
async function targetOf(publisher: CrlPublisher, segment: string): Promise<{ readonly ca: string; readonly kind: CrlKind } | undefined> {
  const name = decoded(segment);
  if (name === undefined) return undefined;
  if (name.endsWith(DELTA_SUFFIX) && await publisher.hasCa(name.slice(0, -DELTA_SUFFIX.length))) {
    return { ca: name.slice(0, -DELTA_SUFFIX.length), kind: 'delta' };
  }
  return await publisher.hasCa(name) ? { ca: name, kind: 'full' } : undefined;
}

/** Koa middleware serving the stored CRLs; other paths go on to `next()`. */
export function crlRoutes(publisher: CrlPublisher): Middleware {
  return async (ctx, next) => {
    const segment = PATH.exec(ctx.path)?.[1];
    if (segment === undefined) {
      await next();
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') throw new MethodNotAllowedError(['GET', 'HEAD']);
    const target = await targetOf(publisher, segment);
    if (target === undefined) throw new NotFoundError('no CA publishes a CRL at this URL');
    const crl = await publisher.current(target.ca, target.kind);
    const seconds = Math.max(0, Math.floor((crl.nextUpdate.getTime() - publisher.now().getTime()) / 1000));
    ctx.status = 200;
    ctx.set('Cache-Control', `public, max-age=${String(seconds)}`);
    ctx.etag = crl.etag;
    ctx.lastModified = crl.thisUpdate;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.type = MEDIA_TYPE;
    ctx.body = Buffer.from(crl.der);
  };
}
