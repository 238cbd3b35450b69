/**
 * Issue 13 point 8: every service honours DPoP (RFC 9449). identity-authz issues real DPoP-bound
 * tokens (`cnf.jkt`); learn-ps, built on the template, accepts one only with the DPoP scheme and a
 * fresh proof for the very request, made here independently with jose. A bound token sent as a
 * bearer token is refused: whoever steals it cannot use it without the key.
 */
import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import https from 'node:https';
import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ADMIN_CLIENT_ID, LEARN_PS_RESOURCE, startAuthz, type AuthzHarness } from '../../services/identity-authz/testing/harness.ts';
import { startResourceServer } from '../../services/identity-authz/testing/resource-server.ts';
import { httpsCall, type HttpAnswer, type ServiceHarness } from '../../services/template/testing/service-harness.ts';

interface ProofKey {
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

interface ProofClaims {
  readonly htm: string;
  readonly htu: string;
  readonly iat?: number;
  readonly jti?: string;
  readonly ath?: string;
}

async function proofKey(): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { privateKey, jwk: await exportJWK(publicKey) };
}

const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');

function proof(key: ProofKey, claims: ProofClaims, signer: ProofKey = key): Promise<string> {
  const { iat, ...rest } = claims;
  return new SignJWT({ jti: randomUUID(), ...rest })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.jwk })
    .setIssuedAt(iat ?? Math.floor(Date.now() / 1000))
    .sign(signer.privateKey);
}

describe('DPoP-bound tokens on a template service (issue 13 point 8, RFC 9449)', function () {
  this.timeout(60_000);
  let authz: AuthzHarness;
  let learnPs: ServiceHarness;
  let key: ProofKey;
  let token: string;
  let petsUrl: string;

  const admin = (): { id: string; secret: string } => ({ id: ADMIN_CLIENT_ID, secret: authz.adminSecret });

  function call(authorization: string, dpop?: string, url = petsUrl): Promise<HttpAnswer> {
    return httpsCall(learnPs.service.ca, 'GET', url, { headers: { authorization, ...(dpop === undefined ? {} : { dpop }) } });
  }

  /** A proof for GET /pets with the bound token, with one thing changed. */
  function petsProof(change: Partial<ProofClaims> = {}, signer?: ProofKey): Promise<string> {
    return proof(key, { htm: 'GET', htu: petsUrl, ath: ath(token), ...change }, signer);
  }

  function expectRefused(answer: HttpAnswer, error: 'invalid_dpop_proof' | 'invalid_token', detail: string): void {
    expect(answer.status, answer.text).to.equal(401);
    expect(answer.headers['content-type']).to.match(/^application\/problem\+json/);
    expect(answer.headers['www-authenticate']).to.match(new RegExp(`^DPoP error="${error}"`));
    expect((answer.json as { detail: string }).detail).to.include(detail);
  }

  before(async () => {
    authz = await startAuthz();
    learnPs = await startResourceServer(authz);
    petsUrl = `${learnPs.service.publicUrl}/service/api/v1/pets`;
    key = await proofKey();
    const tokenProof = await proof(key, { htm: 'POST', htu: `${authz.issuer}/token` });
    const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:read' }, admin(), { dpop: tokenProof });
    expect(answer.status, answer.text).to.equal(200);
    const body = answer.json as { access_token: string; token_type: string };
    expect(body.token_type).to.equal('DPoP');
    token = body.access_token;
    expect(decodeJwt(token).cnf).to.deep.equal({ jkt: await calculateJwkThumbprint(key.jwk) });
  });
  after(async () => {
    await learnPs.close();
    await authz.close();
  });

  it('accepts the bound token with the DPoP scheme and a good proof, on every request with a new proof', async () => {
    expect((await call(`DPoP ${token}`, await petsProof())).status).to.equal(200);
    // The second time the token comes from the verification cache; the proof is still checked.
    expect((await call(`DPoP ${token}`, await petsProof())).status).to.equal(200);
  });

  it('compares htu without the query string', async () => {
    const answer = await call(`DPoP ${token}`, await petsProof(), `${petsUrl}?page=0`);
    expect(answer.status, answer.text).to.equal(200);
  });

  it('refuses the bound token presented as a bearer token (401, DPoP invalid_token)', async () => {
    expectRefused(await call(`Bearer ${token}`), 'invalid_token', 'bound to a DPoP key');
    expectRefused(await call(`Bearer ${token}`, await petsProof()), 'invalid_token', 'bound to a DPoP key');
  });

  it('refuses the DPoP scheme without a proof', async () => {
    expectRefused(await call(`DPoP ${token}`), 'invalid_dpop_proof', 'needs a DPoP proof');
  });

  it('refuses a replayed proof', async () => {
    const once = await petsProof();
    expect((await call(`DPoP ${token}`, once)).status).to.equal(200);
    expectRefused(await call(`DPoP ${token}`, once), 'invalid_dpop_proof', 'already used');
  });

  const now = (): number => Math.floor(Date.now() / 1000);
  const refused: [string, () => Promise<string>, string][] = [
    ['a stale proof', () => petsProof({ iat: now() - 300 }), 'iat must be within'],
    ['a proof from the future', () => petsProof({ iat: now() + 300 }), 'iat must be within'],
    ['a proof for another method', () => petsProof({ htm: 'POST' }), 'htm does not match'],
    ['a proof for another URL', () => petsProof({ htu: `${learnPs.service.publicUrl}/service/api/v1/customers` }), 'htu does not match'],
    ['a proof for another access token (ath)', () => petsProof({ ath: ath(`${token}x`) }), 'ath does not match'],
    ['a proof without ath', () => petsProof({ ath: undefined }), 'ath does not match'],
    ['a proof made with another key', async () => proof(await proofKey(), { htm: 'GET', htu: petsUrl, ath: ath(token) }), 'key the token is not bound to'],
    ['a proof whose signature is not by its jwk', async () => petsProof({}, await proofKey()), 'signed with an asymmetric algorithm by its jwk'],
    ['a proof of another typ', () => new SignJWT({ jti: randomUUID(), htm: 'GET', htu: petsUrl, ath: ath(token) })
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', jwk: key.jwk }).setIssuedAt().sign(key.privateKey), 'typ dpop+jwt'],
  ];
  for (const [what, make, detail] of refused) {
    it(`refuses ${what}`, async () => {
      expectRefused(await call(`DPoP ${token}`, await make()), 'invalid_dpop_proof', detail);
    });
  }

  it('takes htu from its own public URL, not from a Host header the client sends', async () => {
    // The TLS name stays the service's own; only the Host header claims to be elsewhere.
    const withHost = (dpop: string): Promise<number | undefined> => new Promise((resolve, reject) => {
      https.get(petsUrl, { ca: learnPs.service.ca, servername: 'localhost', agent: false, headers: { host: 'attacker.example', authorization: `DPoP ${token}`, dpop } }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', reject);
    });
    expect(await withHost(await petsProof({ htu: 'https://attacker.example/service/api/v1/pets' }))).to.equal(401);
    expect(await withHost(await petsProof())).to.equal(200);
  });

  it('behind an ingress, takes htu from auth.publicUrl', async () => {
    const publicUrl = 'https://pets.example.test';
    const behind = await startResourceServer(authz, { auth: { publicUrl } });
    try {
      const listenerUrl = `${behind.service.publicUrl}/service/api/v1/pets`;
      const send = async (htu: string): Promise<number> => (await httpsCall(behind.service.ca, 'GET', listenerUrl, {
        headers: { authorization: `DPoP ${token}`, dpop: await proof(key, { htm: 'GET', htu, ath: ath(token) }) },
      })).status;
      expect(await send(listenerUrl)).to.equal(401);
      expect(await send(`${publicUrl}/service/api/v1/pets`)).to.equal(200);
    } finally {
      await behind.close();
    }
  });

  it('refuses the DPoP scheme with a token that is not bound to a key', async () => {
    const answer = await authz.form('/token', { grant_type: 'client_credentials', resource: LEARN_PS_RESOURCE, scope: 'pets:read' }, admin());
    const bearer = (answer.json as { access_token: string }).access_token;
    expect((await call(`Bearer ${bearer}`)).status).to.equal(200);
    const unbound = await proof(key, { htm: 'GET', htu: petsUrl, ath: ath(bearer) });
    expectRefused(await call(`DPoP ${bearer}`, unbound), 'invalid_token', 'not bound to a DPoP key');
  });
});
