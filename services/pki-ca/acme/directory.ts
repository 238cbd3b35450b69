/**
 * The directory (RFC 8555 §7.1.1) and new-nonce (§7.2): the two unsigned entry points a client
 * starts from. The router adds the Replay-Nonce header to every answer, new-nonce included.
 */
import type { AcmeContext, AcmeResponse } from './context.ts';

/** GET /directory: resource URLs, ARI's renewalInfo (RFC 9773 §3) and meta. */
export function directory(acme: AcmeContext): Promise<AcmeResponse> {
  const terms = acme.deps.termsOfService;
  return Promise.resolve({
    status: 200,
    body: {
      newNonce: `${acme.base}/new-nonce`,
      newAccount: `${acme.base}/new-account`,
      newOrder: `${acme.base}/new-order`,
      revokeCert: `${acme.base}/revoke-cert`,
      keyChange: `${acme.base}/key-change`,
      renewalInfo: `${acme.base}/renewal-info`,
      meta: { externalAccountRequired: acme.deps.requiresEab(acme.ca), ...(terms === undefined ? {} : { termsOfService: terms }) },
    },
  });
}

/** HEAD /new-nonce answers 200, GET 204 (§7.2); both must not be cached. */
export function newNonce(acme: AcmeContext): Promise<AcmeResponse> {
  return Promise.resolve({ status: acme.koa.method === 'HEAD' ? 200 : 204, headers: { 'Cache-Control': 'no-store' } });
}
