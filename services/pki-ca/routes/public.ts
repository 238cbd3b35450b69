/**
 * pki-ca's unauthenticated routes outside the API prefixes. Here: the issuer certificate that
 * AIA caIssuers names, `GET /pki/v1/ca/<ca>.crt` (DER, `application/pkix-cert`), and the trust
 * bundle of every CA in use, `GET /pki/v1/ca/bundle.pem`. The CRL, OCSP,
 * time-stamp, EST and ACME routes are added beside it as further rows.
 */
import type { Middleware } from 'koa';
import { NotFoundError } from '../../template/errors/index.ts';
import type { RequestState } from '../../template/service.ts';
import { x509 } from '../../template/tls/x509.ts';
import { CertificateAuthority } from '../entities.ts';
import { certificatePem } from '../pem.ts';

const PREFIX = '/pki/v1/ca/';
const SUFFIX = '.crt';
const BUNDLE = '/pki/v1/ca/bundle.pem';
const CA_CERTIFICATE = /^\/pki\/v1\/ca\/[a-z0-9][a-z0-9-]{0,62}\.crt$/;

/** Serves `GET|HEAD /pki/v1/ca/<ca>.crt`; every other request goes on. An unknown CA is a 404 problem. */
export function caCertificateRoute(): Middleware<RequestState> {
  return async function caCertificate(ctx, next) {
    if (!CA_CERTIFICATE.test(ctx.path) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
      await next();
      return;
    }
    const ca = await ctx.state.em.findOne(CertificateAuthority, { name: ctx.path.slice(PREFIX.length, -SUFFIX.length) });
    if (ca === null) throw new NotFoundError('no such CA');
    ctx.type = 'application/pkix-cert';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = Buffer.from(ca.certificate);
  };
}

const KIND_ORDER = { issuing: 0, intermediate: 1, root: 2 } as const;

/**
 * Serves `GET|HEAD /pki/v1/ca/bundle.pem`: every CA certificate still in use (active or retiring),
 * issuing CAs first and roots last, as concatenated PEM. During a rotation it holds both the old
 * and the new issuing CA, so a workload that trusts the bundle accepts either's certificates.
 */
export function caBundleRoute(): Middleware<RequestState> {
  return async function caBundle(ctx, next) {
    if (ctx.path !== BUNDLE || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) {
      await next();
      return;
    }
    const cas = await ctx.state.em.find(CertificateAuthority, { status: { $in: ['active', 'retiring'] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    cas.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
    ctx.type = 'application/pem-certificate-chain';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = cas.map((ca) => certificatePem(new x509.X509Certificate(ca.certificate))).join('');
  };
}

/** Runs `routes` in order, each calling the next for what it does not serve. */
export function chainRoutes(routes: readonly Middleware<RequestState>[]): Middleware<RequestState> {
  return async function pkiRoutes(ctx, next) {
    const step = async (index: number): Promise<void> => {
      const route = routes[index];
      if (route === undefined) {
        await next();
        return;
      }
      await route(ctx, () => step(index + 1));
    };
    await step(0);
  };
}
