import { expect } from 'chai';
import { FlattenedEncrypt, FlattenedSign, compactDecrypt, compactVerify, decodeProtectedHeader, flattenedDecrypt, flattenedVerify, importJWK } from 'jose';
import type { FlattenedJWE, FlattenedJWS } from 'jose';
import { prepareKey } from '../../template/jose/index.ts';
import type { OperationHandlers } from '../../template/service.ts';
import { operationHandlers } from './index.ts';
import { MemoryAudit, MemoryKeySource, call, problemOf, publicOf, signEs256, testSet } from './testing/memory.ts';
import type { TestSet } from './testing/memory.ts';

const PAYLOAD = Buffer.from('{"order":42}');
const JSON_SERIALIZATION = { serialization: 'json' };

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('jose-ja sign, verify, encrypt, decrypt (issue "jose-ja" point 4, RFC 7515 / RFC 7516 §7)', () => {
  let signing: TestSet;
  let sealing: TestSet;
  let audit: MemoryAudit;
  let handlers: OperationHandlers;

  before(async () => {
    signing = await testSet({ name: 'docs', alg: 'ES256', retired: 1 });
    sealing = await testSet({ name: 'vault', alg: 'A256GCM/ECDH-ES+A256KW', retired: 1 });
  });

  beforeEach(() => {
    audit = new MemoryAudit();
    handlers = operationHandlers({ keys: new MemoryKeySource([signing.choice, sealing.choice]), audit, now: () => new Date() });
  });

  const run = (operationId: string, name: string, body: unknown, query?: Record<string, unknown>) => call(handlers, operationId, query === undefined ? { name, body } : { name, body, query });
  /** The response of an operation expected to fail, with the audit row it left. */
  const refusal = async (operationId: string, name: string, body: unknown) => {
    const problem = await problemOf(run(operationId, name, body));
    return { status: problem.status, detail: problem.message, row: audit.take() };
  };

  describe('signPayload and verifyPayload', () => {
    it('signs bytes as a compact JWS (application/jose) with {alg, kid}; verifies it back to the bytes (application/octet-stream)', async () => {
      const signed = await run('signPayload', 'docs', PAYLOAD);
      expect(signed.type).to.equal('application/jose');
      const jws = signed.body as string;
      expect(decodeProtectedHeader(jws)).to.deep.equal({ alg: 'ES256', kid: 'docs-active' });
      const theirs = await compactVerify(jws, await importJWK(publicOf(signing.active), 'ES256'));
      expect(Buffer.from(theirs.payload)).to.deep.equal(PAYLOAD);
      expect(audit.take()).to.deep.equal({ keySet: 'docs', action: 'sign', kid: 'docs-active', outcome: 'success' });
      const verified = await run('verifyPayload', 'docs', Buffer.from(`${jws}\r\n`));
      expect(verified.type).to.equal('application/octet-stream');
      expect(verified.body).to.deep.equal(PAYLOAD);
      expect(audit.take()).to.deep.equal({ keySet: 'docs', action: 'verify', kid: 'docs-active', outcome: 'success' });
    });

    it('signs in the flattened JSON serialization (application/jose+json) on ?serialization=json, and verifies it', async () => {
      const signed = await run('signPayload', 'docs', PAYLOAD, JSON_SERIALIZATION);
      expect(signed.type).to.equal('application/jose+json');
      const jws = signed.body as FlattenedJWS;
      expect(Object.keys(jws).sort()).to.deep.equal(['payload', 'protected', 'signature']);
      expect(JSON.parse(Buffer.from(jws.protected ?? '', 'base64url').toString())).to.deep.equal({ alg: 'ES256', kid: 'docs-active' });
      const theirs = await flattenedVerify(jws, await importJWK(publicOf(signing.active), 'ES256'));
      expect(Buffer.from(theirs.payload)).to.deep.equal(PAYLOAD);
      expect((await run('verifyPayload', 'docs', jws)).body).to.deep.equal(PAYLOAD);
      const kidUnprotected = await new FlattenedSign(PAYLOAD).setProtectedHeader({ alg: 'ES256' }).setUnprotectedHeader({ kid: 'docs-retired-0' })
        .sign(await importJWK((signing.retired[0] ?? signing.active).privateJwk, 'ES256'));
      expect((await run('verifyPayload', 'docs', kidUnprotected)).body).to.deep.equal(PAYLOAD);
    });

    it('signs an absent body as the empty payload', async () => {
      const jws = (await run('signPayload', 'docs', undefined)).body as string;
      expect(jws.split('.')[1]).to.equal('');
      expect((await run('verifyPayload', 'docs', Buffer.from(jws))).body).to.deep.equal(Buffer.alloc(0));
    });

    it('verifies what a retired key signed, with the retired kid in the audit row', async () => {
      const retired = prepareKey(signing.choice.active.row, signing.retired[0] ?? signing.active);
      const jws = signEs256(retired, { alg: 'ES256', kid: 'docs-retired-0' }, PAYLOAD);
      expect((await run('verifyPayload', 'docs', Buffer.from(jws))).body).to.deep.equal(PAYLOAD);
      expect(audit.take()).to.deep.include({ kid: 'docs-retired-0', outcome: 'success' });
    });

    it('answers 400 for a malformed object (compact or JSON) and a body of neither kind; audited as malformed', async () => {
      const jws = (await run('signPayload', 'docs', PAYLOAD, JSON_SERIALIZATION)).body as FlattenedJWS;
      audit.take();
      const malformed = [
        Buffer.from('not-a-jws'), Buffer.from('W10.e30.AA'), { payload: 'e30', signature: 'AA' }, { ...jws, protected: 'W10' }, { ...jws, signature: 5 },
        { ...jws, header: [] }, { ...jws, header: 'kid' },
      ];
      for (const body of malformed) {
        const { status, row } = await refusal('verifyPayload', 'docs', body);
        expect([status, row.detail], JSON.stringify(body)).to.deep.equal([400, 'malformed']);
      }
      for (const member of ['crit', 'zip', 'jku', 'jwk', 'x5u']) {
        const { status, detail } = await refusal('verifyPayload', 'docs', Buffer.from(signEs256(signing.choice.active, { alg: 'ES256', kid: 'docs-active', [member]: ['x'] }, PAYLOAD)));
        expect([status, detail], member).to.deep.equal([400, `the JOSE header member ${member} is not accepted`]);
      }
      const notJose = await refusal('verifyPayload', 'docs', ['a']);
      expect(notJose).to.deep.include({ status: 400, detail: 'the body must be a compact JOSE object (application/jose) or its JSON serialization (application/jose+json)' });
    });

    it('answers 422 "signature not valid" for an unknown kid, another alg, a tampered signature; the row names the check', async () => {
      const compact = (await run('signPayload', 'docs', PAYLOAD)).body as string;
      const flattened = (await run('signPayload', 'docs', PAYLOAD, JSON_SERIALIZATION)).body as FlattenedJWS;
      audit.rows.splice(0);
      const nextKey = prepareKey(signing.choice.active.row, signing.next);
      const cases: [unknown, string, string | undefined][] = [
        [Buffer.from(signEs256(nextKey, { alg: 'ES256', kid: 'docs-next' }, PAYLOAD)), 'unknownKey', undefined],
        [Buffer.from(signEs256(signing.choice.active, { alg: 'ES384', kid: 'docs-active' }, PAYLOAD)), 'algorithm', undefined],
        [Buffer.from(`${compact.slice(0, -2)}${compact.endsWith('AA') ? 'BA' : 'AA'}`), 'signature', 'docs-active'],
        [{ ...flattened, payload: 'e30' }, 'signature', 'docs-active'],
        [Buffer.from(signEs256(nextKey, { alg: 'ES256', kid: 'docs-active' }, PAYLOAD)), 'signature', 'docs-active'],
      ];
      for (const [body, check, kid] of cases) {
        const { status, detail, row } = await refusal('verifyPayload', 'docs', body);
        expect([status, detail], check).to.deep.equal([422, 'signature not valid']);
        const expected = { keySet: 'docs', action: 'verify', outcome: 'failure', detail: check };
        expect(row, check).to.deep.equal(kid === undefined ? expected : { ...expected, kid });
      }
    });

    it('refuses to sign or verify with an enc set, naming its use (400, audited)', async () => {
      expect(await refusal('signPayload', 'vault', PAYLOAD)).to.deep.equal({
        status: 400, detail: 'key set vault has use enc; it cannot sign',
        row: { keySet: 'vault', action: 'sign', outcome: 'failure', detail: 'key set vault has use enc; it cannot sign' },
      });
      expect((await refusal('verifyPayload', 'vault', Buffer.from('a.b.c'))).detail).to.equal('key set vault has use enc; it cannot verify');
    });
  });

  describe('encryptPayload and decryptPayload', () => {
    it('encrypts bytes to a compact JWE (application/jose) with {alg, enc, kid}; decrypts it back; jose decrypts it too', async () => {
      const encrypted = await run('encryptPayload', 'vault', PAYLOAD);
      expect(encrypted.type).to.equal('application/jose');
      const jwe = encrypted.body as string;
      expect(decodeProtectedHeader(jwe)).to.include({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'vault-active' });
      expect(Buffer.from((await compactDecrypt(jwe, await importJWK(sealing.active.privateJwk, 'ECDH-ES+A256KW'))).plaintext)).to.deep.equal(PAYLOAD);
      expect(audit.take()).to.deep.equal({ keySet: 'vault', action: 'encrypt', kid: 'vault-active', outcome: 'success' });
      const decrypted = await run('decryptPayload', 'vault', Buffer.from(jwe));
      expect(decrypted.type).to.equal('application/octet-stream');
      expect(decrypted.body).to.deep.equal(PAYLOAD);
      expect(audit.take()).to.deep.equal({ keySet: 'vault', action: 'decrypt', kid: 'vault-active', outcome: 'success' });
    });

    it('encrypts to the flattened JSON serialization on ?serialization=json and decrypts it, with unprotected headers joined', async () => {
      const encrypted = await run('encryptPayload', 'vault', PAYLOAD, JSON_SERIALIZATION);
      expect(encrypted.type).to.equal('application/jose+json');
      const jwe = encrypted.body as FlattenedJWE;
      expect(Buffer.from((await flattenedDecrypt(jwe, await importJWK(sealing.active.privateJwk, 'ECDH-ES+A256KW'))).plaintext)).to.deep.equal(PAYLOAD);
      expect((await run('decryptPayload', 'vault', jwe)).body).to.deep.equal(PAYLOAD);
      const retiredJwk = (sealing.retired[0] ?? sealing.active).publicJwk ?? {};
      const theirs = await new FlattenedEncrypt(PAYLOAD).setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' }).setSharedUnprotectedHeader({ kid: 'vault-retired-0' })
        .setAdditionalAuthenticatedData(Buffer.from('bound')).encrypt(await importJWK(retiredJwk, 'ECDH-ES+A256KW'));
      expect((await run('decryptPayload', 'vault', theirs)).body).to.deep.equal(PAYLOAD);
      expect(audit.rows.at(-1)?.entry).to.deep.include({ kid: 'vault-retired-0', outcome: 'success' });
    });

    it('answers 422 "decryption failed" for every cause (no oracle), the audit row naming the check', async () => {
      const compact = (await run('encryptPayload', 'vault', PAYLOAD)).body as string;
      const flattened = (await run('encryptPayload', 'vault', PAYLOAD, JSON_SERIALIZATION)).body as FlattenedJWE;
      audit.rows.splice(0);
      const parts = compact.split('.');
      const withTag = (tag: string) => Buffer.from([...parts.slice(0, 4), tag].join('.'));
      const header = decodeProtectedHeader(compact);
      const cases: [unknown, string][] = [
        [Buffer.from('a.b.c'), 'malformed'],
        [{ ...flattened, iv: undefined }, 'malformed'],
        [{ ...flattened, unprotected: 'x' }, 'malformed'],
        [withTag(Buffer.alloc(16).toString('base64url')), 'decryption'],
        [{ ...flattened, tag: Buffer.alloc(16).toString('base64url') }, 'decryption'],
        [Buffer.from([b64({ ...header, kid: 'vault-next' }), ...parts.slice(1)].join('.')), 'unknownKey'],
        [Buffer.from([b64({ ...header, enc: 'A128GCM' }), ...parts.slice(1)].join('.')), 'algorithm'],
        [Buffer.from([b64({ ...header, zip: 'DEF' }), ...parts.slice(1)].join('.')), 'malformed'],
      ];
      for (const [body, check] of cases) {
        const { status, detail, row } = await refusal('decryptPayload', 'vault', body);
        expect([status, detail, row.detail], check).to.deep.equal([422, 'decryption failed', check]);
      }
    });

    it('refuses to encrypt or decrypt with a sig set, naming its use (400)', async () => {
      expect((await refusal('encryptPayload', 'docs', PAYLOAD)).detail).to.equal('key set docs has use sig; it cannot encrypt');
      expect((await refusal('decryptPayload', 'docs', Buffer.from('a.b.c.d.e'))).detail).to.equal('key set docs has use sig; it cannot decrypt');
    });

    it('records an unexpected failure as "internal error", never its message', async () => {
      // The template hands bytes; a string body makes the signer throw a TypeError, which is not a problem to expose.
      const thrown = await run('signPayload', 'docs', 'not bytes').catch((error: unknown) => error);
      expect(thrown).to.be.instanceOf(Error);
      expect(audit.take()).to.deep.equal({ keySet: 'docs', action: 'sign', outcome: 'failure', detail: 'internal error' });
    });
  });
});
