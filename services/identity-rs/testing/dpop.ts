/**
 * DPoP proofs (RFC 9449 §4.2) made the way a client makes them, with jose alone: a key pair, its
 * RFC 7638 thumbprint (what a bound token's `cnf.jkt` names), and one fresh proof per request.
 */
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export interface DpopKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
  /** RFC 7638 thumbprint of the public key. */
  readonly jkt: string;
  /** A proof for one request; `accessToken` adds `ath` (needed with a resource server, not at the token endpoint). */
  proof(method: string, url: string, accessToken?: string): Promise<string>;
}

/** A new ES256 proof key. */
export async function dpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return {
    privateKey,
    jwk,
    jkt: await calculateJwkThumbprint(jwk),
    proof: (method, url, accessToken) => new SignJWT({
      jti: randomUUID(),
      htm: method,
      htu: url,
      ...(accessToken === undefined ? {} : { ath: createHash('sha256').update(accessToken).digest('base64url') }),
    }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).setIssuedAt().sign(privateKey),
  };
}
