/**
 * External account binding (RFC 8555 §7.3.4): a CA that only serves known customers hands each an
 * HMAC key id and key out of band; the new-account request carries a JWS, MAC'd with that key, over
 * the account's public key, which proves the holder of the account key also holds the HMAC key.
 */
import type { JWK } from 'jose';
import type { AcmeContext } from './context.ts';
import { flattenedJws, jsonPayload, protectedHeader, sameKey, verifySignature } from './jws.ts';
import { AcmeProblem } from './problems.ts';

/** MAC algorithms an EAB may use. */
const EAB_ALGORITHMS: readonly string[] = ['HS256', 'HS384', 'HS512'];

/** Checks an `externalAccountBinding` against the account key; returns the EAB key id. */
export async function verifyExternalBinding(acme: AcmeContext, binding: unknown, accountJwk: JWK): Promise<string> {
  const jws = flattenedJws(binding, 'externalAccountBinding');
  const header = protectedHeader(jws, 'externalAccountBinding');
  if (typeof header.alg !== 'string' || !EAB_ALGORITHMS.includes(header.alg)) {
    throw new AcmeProblem('malformed', 'externalAccountBinding alg must be HS256, HS384 or HS512');
  }
  if (typeof header.kid !== 'string' || header.nonce !== undefined || header.url !== acme.url) {
    throw new AcmeProblem('malformed', 'externalAccountBinding must carry kid and the request url, and no nonce');
  }
  const key = await acme.deps.eabKey(header.kid);
  if (key === undefined) {
    throw new AcmeProblem('unauthorized', 'externalAccountBinding names an unknown key id');
  }
  const bytes = await verifySignature(jws, key, header.alg, 'externalAccountBinding');
  if (!await sameKey(jsonPayload(bytes, 'externalAccountBinding'), accountJwk)) {
    throw new AcmeProblem('malformed', 'externalAccountBinding payload must be the account key');
  }
  return header.kid;
}
