/**
 * Issue "jose-ja" point 8, the remote half, as one run both suites use: tokens jose-ja issues are
 * verified all along by independent verifiers while the key set rotates: `jose`'s remote JWKS, a
 * verifier that caches the JWKS exactly as long as `Cache-Control` allows, and openid-client (an ID
 * token through its own JWKS handling). The verifiers run all the time, so their caches are filled
 * at arbitrary moments: a rotation that put a key to use before every cache could hold it would
 * show up as a failure.
 */
import https from 'node:https';
import { expect } from 'chai';
import * as client from 'openid-client';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, jwtVerify } from 'jose';
import type { JSONWebKeySet } from 'jose';
import type { ServiceHarness } from '../../template/testing/service-harness.ts';

const AUDIENCE = 'rp-client';

interface Fetched { readonly status: number; readonly headers: Headers; readonly body: Buffer }

/** One GET trusting the service's CA; what every verifier below fetches the JWKS with. */
function get(ca: string, url: string, headers: Readonly<Record<string, string>> = {}): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          for (const item of Array.isArray(value) ? value : [value ?? '']) answer.append(name, item);
        }
        resolve({ status: response.statusCode ?? 0, headers: answer, body: Buffer.concat(chunks) });
      });
    }).on('error', reject);
  });
}

/** A fetch for jose and openid-client that counts its calls. */
function countingFetch(ca: string): { fetch: (url: string | URL, options?: { headers?: ConstructorParameters<typeof Headers>[0] }) => Promise<Response>; count: () => number } {
  let count = 0;
  return {
    fetch: async (url, options) => {
      count += 1;
      const answer = await get(ca, String(url), Object.fromEntries(new Headers(options?.headers)));
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    },
    count: () => count,
  };
}

/** A verifier that keeps the JWKS for exactly the max-age the response allows, and never longer. */
function cacheControlVerifier(ca: string, url: string, issuer: string): { verify: (jwt: string) => Promise<void>; fetches: () => number } {
  let cached: { keys: ReturnType<typeof createLocalJWKSet>; until: number } | undefined;
  let fetches = 0;
  return {
    verify: async (jwt) => {
      if (cached === undefined || Date.now() >= cached.until) {
        fetches += 1;
        const answer = await get(ca, url);
        const maxAge = /max-age=(\d+)/u.exec(answer.headers.get('cache-control') ?? '');
        expect(maxAge, 'Cache-Control max-age').to.not.equal(null);
        cached = { keys: createLocalJWKSet(JSON.parse(answer.body.toString('utf8')) as JSONWebKeySet), until: Date.now() + Number(maxAge?.[1]) * 1000 };
      }
      await jwtVerify(jwt, cached.keys, { issuer, audience: AUDIENCE });
    },
    fetches: () => fetches,
  };
}

export type VerifierName = 'cache-control' | 'jose remote JWKS' | 'openid-client';

export interface RotationRun {
  readonly failures: readonly string[];
  /** Distinct kids that signed a token. */
  readonly signers: number;
  /** Rotations the service refused as too early. */
  readonly refused: number;
  readonly rounds: number;
  /** JWKS fetches per verifier. */
  readonly fetches: Readonly<Record<VerifierName, number>>;
}

/**
 * Makes a sig set, then issues and verifies a token every `pauseMs` and asks for a rotation each
 * round until `rotations` succeeded (the service refuses while its next key is younger than the
 * max-age), and finally verifies the first token again (its key retired, not gone).
 */
export async function rotateWhileVerifying(harness: ServiceHarness, options: { rotations: number; maxAgeSeconds: number; verifiers: readonly VerifierName[]; pauseMs: number }): Promise<RotationRun> {
  const api = `${harness.service.publicUrl}/service/api/v1`;
  const admin = await harness.serviceToken(['ja:admin', 'ja:read', 'ja:sign']);
  const created = await harness.call('POST', `${api}/jwks`, { token: admin, body: { name: 'id-tokens', use: 'sig', alg: 'ES256', rotationDays: 30, retentionDays: 1 } });
  expect(created.status, created.text).to.equal(201);
  const { issuer, jwksUrl } = created.json as { issuer: string; jwksUrl: string };
  const ca = harness.service.ca;

  const ownCache = cacheControlVerifier(ca, jwksUrl, issuer);
  const joseFetch = countingFetch(ca);
  // No refetch on an unknown kid within the run: only what was published before a key's first use can verify it.
  const remote = createRemoteJWKSet(new URL(jwksUrl), { cacheMaxAge: options.maxAgeSeconds * 1000, cooldownDuration: 3_600_000, [customFetch]: joseFetch.fetch });
  const oidcFetch = countingFetch(ca);
  const config = new client.Configuration({ issuer, jwks_uri: jwksUrl, id_token_signing_alg_values_supported: ['ES256'] }, AUDIENCE, { id_token_signed_response_alg: 'ES256' });
  config[client.customFetch] = oidcFetch.fetch;
  client.useIdTokenResponseType(config);
  const checks: Readonly<Record<VerifierName, (jwt: string, nonce: string) => Promise<unknown>>> = {
    'cache-control': (jwt) => ownCache.verify(jwt),
    'jose remote JWKS': (jwt) => jwtVerify(jwt, remote, { issuer, audience: AUDIENCE }),
    'openid-client': (jwt, nonce) => client.implicitAuthentication(config, new URL(`https://rp.example/cb#${new URLSearchParams({ id_token: jwt }).toString()}`), nonce),
  };

  const failures: string[] = [];
  const verifyAll = async (jwt: string, nonce: string): Promise<void> => {
    for (const name of options.verifiers) {
      try {
        await checks[name](jwt, nonce);
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message}`);
      }
    }
  };

  const signer = await harness.serviceToken(['ja:sign']);
  const signers = new Set<string>();
  let first: string | undefined;
  let rotations = 0;
  let refused = 0;
  let rounds = 0;
  while (rotations < options.rotations) {
    rounds += 1;
    const nonce = `n-${String(rounds)}`;
    const answer = await harness.call('POST', `${api}/jwks/id-tokens/jwt`, { token: signer, body: { claims: { sub: 'alice', nonce }, audience: AUDIENCE, expiresInSeconds: 3600 } });
    expect(answer.status, answer.text).to.equal(200);
    const { jwt, kid } = answer.json as { jwt: string; kid: string };
    signers.add(kid);
    first ??= jwt;
    await verifyAll(jwt, nonce);
    // Rotate at the earliest moment the service allows.
    const rotated = await harness.call('POST', `${api}/jwks/id-tokens/rotate`, { token: admin, body: {} });
    if (rotated.status === 200) rotations += 1;
    else {
      expect(rotated.status, rotated.text).to.equal(409);
      refused += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
  }
  await verifyAll(first ?? '', 'n-1');
  return {
    failures,
    signers: signers.size,
    refused,
    rounds,
    fetches: { 'cache-control': ownCache.fetches(), 'jose remote JWKS': joseFetch.count(), 'openid-client': oidcFetch.count() },
  };
}
