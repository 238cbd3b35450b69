import { expect } from 'chai';
import {
  CompactEncrypt, CompactSign, FlattenedEncrypt, FlattenedSign, SignJWT, compactDecrypt, compactVerify, flattenedDecrypt, flattenedVerify, importJWK, jwtVerify,
} from 'jose';
import type { FlattenedJWE, FlattenedJWS } from 'jose';
import type { AlgorithmRow } from '../../template/jose/index.ts';
import { rowsOf } from '../../template/jose/testing/fixtures.ts';
import type { OperationHandlers } from '../../template/service.ts';
import { operationHandlers } from './index.ts';
import { ISSUER_BASE, MemoryAudit, MemoryKeySource, call, publicOf, testSet } from './testing/memory.ts';
import type { TestSet } from './testing/memory.ts';

/** jose-ja publishes public keys only, so its sets use the asymmetric rows of the table. */
const offered = (use: AlgorithmRow['use']) => rowsOf(use).filter((row) => row.kty !== 'oct');
const PAYLOAD = Buffer.from('interop ✓ payload');

/** A set name from a row name (`A256GCM/RSA-OAEP-256` → `a256gcm-rsa-oaep-256`). */
function setName(row: AlgorithmRow): string {
  return row.name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

type JoseKey = Awaited<ReturnType<typeof importJWK>>;

interface Peer {
  readonly row: AlgorithmRow;
  readonly set: TestSet;
  /** jose's own imports of the set's active key. */
  readonly privateKey: JoseKey;
  readonly publicKey: JoseKey;
}

async function peerOf(row: AlgorithmRow, paired?: TestSet): Promise<Peer> {
  const set = await testSet(paired === undefined ? { name: setName(row), alg: row.name } : { name: setName(row), alg: row.name, paired: paired.choice });
  return { row, set, privateKey: await importJWK(set.active.privateJwk, row.alg), publicKey: await importJWK(publicOf(set.active), row.alg) };
}

describe('jose-ja interop with jose, both directions (issue "jose-ja" point 8, in process)', function () {
  this.timeout(20_000);
  let signers: readonly Peer[];
  let encrypters: readonly Peer[];
  let handlers: OperationHandlers;

  before(async () => {
    signers = await Promise.all(offered('sig').map((row) => peerOf(row)));
    // Each enc set is paired with a sig set, cycling through every signature row, for the nested JWTs.
    encrypters = await Promise.all(offered('enc').map((row, index) => peerOf(row, signers[index % signers.length]?.set)));
    const sets = [...signers, ...encrypters].map((peer) => peer.set.choice);
    handlers = operationHandlers({ keys: new MemoryKeySource(sets), audit: new MemoryAudit(), now: () => new Date() });
  });

  const run = async (operationId: string, peer: Peer, body: unknown, json = false) =>
    (await call(handlers, operationId, json ? { name: peer.set.choice.settings.name, body, query: { serialization: 'json' } } : { name: peer.set.choice.settings.name, body })).body;
  const kid = (peer: Peer) => peer.set.active.kid;

  it('offers the ten signature rows and the forty-eight RSA-OAEP and ECDH-ES encryption rows', () => {
    expect(signers.map((peer) => peer.row.name).sort()).to.deep.equal(['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512']);
    expect(encrypters).to.have.length(48);
  });

  it('JWS: jose verifies what we sign, compact and flattened JSON, for every signature row', async () => {
    for (const peer of signers) {
      const compact = await run('signPayload', peer, PAYLOAD) as string;
      expect(Buffer.from((await compactVerify(compact, peer.publicKey, { algorithms: [peer.row.alg] })).payload), peer.row.name).to.deep.equal(PAYLOAD);
      const flattened = await run('signPayload', peer, PAYLOAD, true) as FlattenedJWS;
      expect(Buffer.from((await flattenedVerify(flattened, peer.publicKey, { algorithms: [peer.row.alg] })).payload), peer.row.name).to.deep.equal(PAYLOAD);
    }
  });

  it('JWS: we verify what jose signs, compact and flattened JSON, for every signature row', async () => {
    for (const peer of signers) {
      const header = { alg: peer.row.alg, kid: kid(peer) };
      const compact = await new CompactSign(PAYLOAD).setProtectedHeader(header).sign(peer.privateKey);
      expect(await run('verifyPayload', peer, Buffer.from(compact)), peer.row.name).to.deep.equal(PAYLOAD);
      const flattened = await new FlattenedSign(PAYLOAD).setProtectedHeader(header).sign(peer.privateKey);
      expect(await run('verifyPayload', peer, flattened), peer.row.name).to.deep.equal(PAYLOAD);
    }
  });

  it('JWT: jose verifies the JWTs we issue, and we verify the JWTs jose signs, for every signature row', async () => {
    for (const peer of signers) {
      const issuer = `${ISSUER_BASE}${peer.set.choice.settings.name}`;
      const { jwt } = await run('issueJwt', peer, { claims: { sub: 'interop' }, audience: 'api' }) as { jwt: string };
      const { payload } = await jwtVerify(jwt, peer.publicKey, { issuer, audience: 'api', typ: 'JWT', algorithms: [peer.row.alg] });
      expect(payload.sub, peer.row.name).to.equal('interop');
      const theirs = await new SignJWT({ sub: 'theirs' }).setProtectedHeader({ alg: peer.row.alg, kid: kid(peer), typ: 'JWT' })
        .setIssuer(issuer).setAudience('api').setIssuedAt().setExpirationTime('5m').setJti('j').sign(peer.privateKey);
      const verdict = await run('verifyJwt', peer, { jwt: theirs, audience: 'api', requiredClaims: ['jti'] }) as { valid: boolean; claims: { sub: string } };
      expect([verdict.valid, verdict.claims.sub], peer.row.name).to.deep.equal([true, 'theirs']);
    }
  });

  it('JWE: jose decrypts what we encrypt, compact and flattened JSON, for every encryption row', async () => {
    for (const peer of encrypters) {
      const compact = await run('encryptPayload', peer, PAYLOAD) as string;
      expect(Buffer.from((await compactDecrypt(compact, peer.privateKey)).plaintext), peer.row.name).to.deep.equal(PAYLOAD);
      const flattened = await run('encryptPayload', peer, PAYLOAD, true) as FlattenedJWE;
      expect(Buffer.from((await flattenedDecrypt(flattened, peer.privateKey)).plaintext), peer.row.name).to.deep.equal(PAYLOAD);
    }
  });

  it('JWE: we decrypt what jose encrypts to the public key, compact and flattened JSON, for every encryption row', async () => {
    for (const peer of encrypters) {
      const header = { alg: peer.row.alg, enc: peer.row.enc ?? '', kid: kid(peer) };
      const compact = await new CompactEncrypt(PAYLOAD).setProtectedHeader(header).encrypt(peer.publicKey);
      expect(await run('decryptPayload', peer, Buffer.from(compact)), peer.row.name).to.deep.equal(PAYLOAD);
      const flattened = await new FlattenedEncrypt(PAYLOAD).setProtectedHeader(header).encrypt(peer.publicKey);
      expect(await run('decryptPayload', peer, flattened), peer.row.name).to.deep.equal(PAYLOAD);
    }
  });

  it('nested JWT: jose opens and verifies the nested JWTs we issue, and we verify the nested JWTs jose makes, for every encryption row', async () => {
    for (const peer of encrypters) {
      const paired = signers.find((signer) => signer.set.choice === peer.set.choice.paired);
      if (paired === undefined) throw new Error(`${peer.row.name} has no paired signer`);
      const issuer = `${ISSUER_BASE}${peer.set.choice.settings.name}`;
      const { jwt } = await run('issueJwt', peer, { claims: { sub: 'nested' } }) as { jwt: string };
      const { plaintext, protectedHeader } = await compactDecrypt(jwt, peer.privateKey);
      expect(protectedHeader.cty, peer.row.name).to.equal('JWT');
      const { payload } = await jwtVerify(Buffer.from(plaintext).toString(), paired.publicKey, { issuer, typ: 'JWT', algorithms: [paired.row.alg] });
      expect(payload.sub, peer.row.name).to.equal('nested');
      const inner = await new SignJWT({ sub: 'theirs' }).setProtectedHeader({ alg: paired.row.alg, kid: kid(paired), typ: 'JWT' })
        .setIssuer(issuer).setExpirationTime('5m').sign(paired.privateKey);
      const theirs = await new CompactEncrypt(Buffer.from(inner)).setProtectedHeader({ alg: peer.row.alg, enc: peer.row.enc ?? '', kid: kid(peer), cty: 'JWT' }).encrypt(peer.publicKey);
      const verdict = await run('verifyJwt', peer, { jwt: theirs }) as { valid: boolean; claims: { sub: string } };
      expect([verdict.valid, verdict.claims.sub], peer.row.name).to.deep.equal([true, 'theirs']);
    }
  });
});
