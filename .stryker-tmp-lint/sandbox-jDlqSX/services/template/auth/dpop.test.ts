// @ts-nocheck
import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { ProblemError, ServiceUnavailableError, UnauthorizedError } from '../errors/index.ts';
import { accessTokenHash, DpopVerifier, INVALID_PROOF_CHALLENGE, withoutQuery, type ProofTarget } from './dpop.ts';

const URL_OF_REQUEST = 'https://pets.example:8443/service/api/v1/pets';
const TOKEN = 'header.payload.signature';
const START = 1_800_000_000_000;

async function refusal(run: Promise<unknown>): Promise<ProblemError> {
  try {
    await run;
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('DPoP proofs (RFC 9449 §4.3)', () => {
  let privateKey: CryptoKey;
  let jwk: JWK;
  let thumbprint: string;
  let clock: number;
  let verifier: DpopVerifier;

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    jwk = await exportJWK(pair.publicKey);
    thumbprint = await calculateJwkThumbprint(jwk);
  });
  beforeEach(() => {
    clock = START;
    verifier = new DpopVerifier({ now: () => clock, replayCapacity: 3 });
  });

  function sign(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header }).sign(privateKey);
  }

  function proof(change: JWTPayload = {}): Promise<string> {
    return sign({ jti: randomUUID(), htm: 'GET', htu: URL_OF_REQUEST, iat: START / 1000, ath: accessTokenHash(TOKEN), ...change });
  }

  function target(value: string | undefined, change: Partial<ProofTarget> = {}): ProofTarget {
    return { proof: value, method: 'GET', url: URL_OF_REQUEST, accessToken: TOKEN, thumbprint, ...change };
  }

  async function refused(value: string | undefined, detail: string, change: Partial<ProofTarget> = {}): Promise<void> {
    const error = await refusal(verifier.verify(target(value, change)));
    expect(error).to.be.instanceOf(UnauthorizedError);
    expect(error.message).to.include(detail);
    expect(error.headers).to.deep.equal({ 'WWW-Authenticate': INVALID_PROOF_CHALLENGE });
  }

  it('accepts a good proof, ignoring the query and fragment of htu and of the request URL', async () => {
    await verifier.verify(target(await proof()));
    await verifier.verify(target(await proof({ htu: `${URL_OF_REQUEST}?a=1#top` }), { url: `${URL_OF_REQUEST}?b=2` }));
  });

  it('hashes the access token as ath: base64url SHA-256', () => {
    expect(accessTokenHash(TOKEN)).to.equal(createHash('sha256').update(TOKEN).digest('base64url'));
  });

  it('normalises URLs and rejects what is not one', () => {
    expect(withoutQuery('HTTPS://Pets.Example:443/a?b#c')).to.equal('https://pets.example/a');
    expect(withoutQuery('not a url')).to.equal(undefined);
  });

  it('accepts iat up to the window either way, not beyond', async () => {
    await verifier.verify(target(await proof({ iat: START / 1000 - 60 })));
    await verifier.verify(target(await proof({ iat: START / 1000 + 60 })));
    await refused(await proof({ iat: START / 1000 - 61 }), 'iat must be within 60 seconds');
    await refused(await proof({ iat: START / 1000 + 61 }), 'iat must be within 60 seconds');
    await refused(await proof({ iat: undefined }), 'iat must be within');
    const narrow = new DpopVerifier({ now: () => clock, windowSeconds: 5 });
    expect((await refusal(narrow.verify(target(await proof({ iat: START / 1000 - 6 }))))).message).to.include('within 5 seconds');
  });

  const bad: [string, () => Promise<string | undefined>, string, Partial<ProofTarget>?][] = [
    ['no proof', () => Promise.resolve(undefined), 'needs a DPoP proof header'],
    ['something that is not a JWT', () => Promise.resolve('not-a-jwt'), 'is not a JWT'],
    ['a proof without jwk', () => sign({ htm: 'GET' }, { jwk: undefined }), 'has no jwk header'],
    ['a proof carrying the private key', async () => sign({ htm: 'GET' }, { jwk: { ...jwk, d: 'AAAA' } }), 'public key only'],
    ['a proof of typ JWT', () => sign({ htm: 'GET' }, { typ: 'JWT' }), 'typ dpop+jwt'],
    ['a proof signed with HMAC', () => new SignJWT({ htm: 'GET' }).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk }).sign(new Uint8Array(32)), 'asymmetric algorithm'],
    ['a symmetric jwk', () => sign({ htm: 'GET' }, { jwk: { kty: 'oct', k: 'AAAA' } }), 'public key only'],
    ['another method', () => proof({ htm: 'POST' }), 'htm does not match'],
    ['another URL', () => proof({ htu: 'https://pets.example:8443/service/api/v1/orders' }), 'htu does not match'],
    ['another host', () => proof({ htu: 'https://attacker.example/service/api/v1/pets' }), 'htu does not match'],
    ['no htu', () => proof({ htu: undefined }), 'htu does not match'],
    ['no jti', () => proof({ jti: undefined }), 'lacks a jti'],
    ['an empty jti', () => proof({ jti: '' }), 'lacks a jti'],
    ['another token', () => proof({ ath: accessTokenHash('other') }), 'ath does not match'],
    ['a key the token is not bound to', () => proof(), 'not bound to', { thumbprint: 'someone-else' }],
  ];
  for (const [what, make, detail, change] of bad) {
    it(`refuses ${what}`, async () => {
      await refused(await make(), detail, change);
    });
  }

  it('refuses a replay within the window, per key and jti', async () => {
    const once = await proof();
    await verifier.verify(target(once));
    await refused(once, 'already used');
  });

  it('keeps the replay cache bounded: expired ids make room, live ones make new proofs wait (503)', async () => {
    for (let index = 0; index < 3; index += 1) {
      await verifier.verify(target(await proof()));
    }
    const error = await refusal(verifier.verify(target(await proof())));
    expect(error).to.be.instanceOf(ServiceUnavailableError);
    clock = START + 61_000; // the three ids are past their window
    await verifier.verify(target(await proof({ iat: clock / 1000 })));
  });

  it('accepts an id again once its window has passed (the proof would be stale by then anyway)', async () => {
    const jti = randomUUID();
    await verifier.verify(target(await proof({ jti })));
    clock = START + 61_000;
    await verifier.verify(target(await proof({ jti, iat: clock / 1000 })));
  });
});
