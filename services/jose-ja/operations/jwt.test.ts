import { expect } from 'chai';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { prepareKey, resolveAlgorithm, sign } from '../../template/jose/index.ts';
import type { OperationHandlers } from '../../template/service.ts';
import { operationHandlers } from './index.ts';
import { ISSUER_BASE, MemoryAudit, MemoryKeySource, call, problemOf, publicOf, signEs256, testSet } from './testing/memory.ts';
import type { TestSet } from './testing/memory.ts';

const NOW = new Date('2026-12-03T20:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;

interface Issued { jwt: string; kid: string; expiresAt: string }
interface Verdict { valid: boolean; claims?: Record<string, unknown>; header?: Record<string, unknown>; failed?: { check: string; detail: string } }

function publicJwk(set: TestSet): ReturnType<typeof importJWK> {
  return importJWK(publicOf(set.active), set.active.privateJwk.alg);
}

describe('jose-ja JWT issue and verify (issue "jose-ja" point 3, RFC 7519)', () => {
  let tokens: TestSet;
  let signer: TestSet;
  let sealed: TestSet;
  let lonely: TestSet;
  let audit: MemoryAudit;
  let clock: Date;
  let handlers: OperationHandlers;

  before(async () => {
    tokens = await testSet({ name: 'tokens', alg: 'ES256', retired: 1 });
    signer = await testSet({ name: 'signer', alg: 'EdDSA' });
    sealed = await testSet({ name: 'sealed', alg: 'A256GCM/ECDH-ES+A256KW', tokenType: 'at+jwt', paired: signer.choice });
    lonely = await testSet({ name: 'lonely', alg: 'A128GCM/ECDH-ES' });
  });

  beforeEach(() => {
    audit = new MemoryAudit();
    clock = NOW;
    handlers = operationHandlers({ keys: new MemoryKeySource([tokens.choice, signer.choice, sealed.choice, lonely.choice]), audit, now: () => clock });
  });

  const issue = async (name: string, body: unknown): Promise<Issued> => (await call(handlers, 'issueJwt', { name, body })).body as Issued;
  const verify = async (name: string, body: Record<string, unknown>): Promise<Verdict> => (await call(handlers, 'verifyJwt', { name, body })).body as Verdict;
  /** A JWT of the tokens set as the service would sign it, with the given claims. */
  const tokenWith = (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    signEs256(tokens.choice.active, { alg: 'ES256', kid: 'tokens-active', typ: 'JWT', ...header }, JSON.stringify(claims));
  const valid = { iss: `${ISSUER_BASE}tokens`, iat: NOW_SECONDS, exp: NOW_SECONDS + 300 };

  describe('issueJwt', () => {
    it('signs {alg, kid, typ} with the active key and sets iss, iat, exp and a random jti; jose verifies it', async () => {
      const issued = await issue('tokens', { claims: { sub: 'user-1', scope: 'read' } });
      expect(issued.kid).to.equal('tokens-active');
      expect(issued.expiresAt).to.equal('2026-12-03T20:05:00.000Z');
      expect(decodeProtectedHeader(issued.jwt)).to.deep.equal({ alg: 'ES256', kid: 'tokens-active', typ: 'JWT' });
      const { payload } = await jwtVerify(issued.jwt, await publicJwk(tokens), { issuer: `${ISSUER_BASE}tokens`, typ: 'JWT', currentDate: NOW });
      expect(payload).to.deep.include({ sub: 'user-1', scope: 'read', iss: `${ISSUER_BASE}tokens`, iat: NOW_SECONDS, exp: NOW_SECONDS + 300 });
      expect(payload.jti).to.match(/^[0-9a-f-]{36}$/);
      expect(payload).not.to.have.any.keys('aud', 'nbf');
      expect(audit.rows).to.deep.equal([{ actor: { subject: 'svc-orders', clientId: 'orders' }, entry: { keySet: 'tokens', action: 'jwt.issue', kid: 'tokens-active', outcome: 'success' } }]);
      expect((await issue('tokens', { claims: {} })).jwt).not.to.equal(issued.jwt);
    });

    it('sets aud and nbf when asked, takes expiresInSeconds, and keeps a caller aud when no audience is given', async () => {
      const issued = await issue('tokens', { claims: {}, audience: ['api', 'web'], expiresInSeconds: 60, notBeforeSeconds: 10 });
      const claims = JSON.parse(Buffer.from(issued.jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
      expect(claims).to.deep.include({ aud: ['api', 'web'], nbf: NOW_SECONDS + 10, exp: NOW_SECONDS + 60 });
      expect(issued.expiresAt).to.equal('2026-12-03T20:01:00.000Z');
      const single = await issue('tokens', { claims: { aud: 'mine' }, audience: 'api', notBeforeSeconds: 0 });
      expect((await verify('tokens', { jwt: single.jwt, audience: 'api' })).claims).to.deep.include({ aud: 'api', nbf: NOW_SECONDS });
      const callers = await issue('tokens', { claims: { aud: 'mine' } });
      expect((await verify('tokens', { jwt: callers.jwt, audience: 'mine' })).valid).to.equal(true);
    });

    it('refuses claims the service sets, and bodies outside the contract, with 400 naming the field; each is audited', async () => {
      const cases: [unknown, string][] = [
        [{ claims: { iss: 'me' } }, 'claims must not carry iss: the key set sets it'],
        [{ claims: { iat: 1 } }, 'claims must not carry iat: the key set sets it'],
        [{ claims: { exp: 1 } }, 'claims must not carry exp: the key set sets it'],
        [{ claims: { jti: 'x' } }, 'claims must not carry jti: the key set sets it'],
        [{ claims: { nbf: 1 } }, 'claims must not carry nbf: the key set sets it'],
        [{ claims: [] }, 'claims must be a JSON object'],
        [{}, 'claims must be a JSON object'],
        [{ claims: {}, audience: 5 }, 'audience must be a string or an array of strings'],
        [{ claims: {}, audience: ['a', 5] }, 'audience must be a string or an array of strings'],
        [{ claims: {}, expiresInSeconds: 0 }, 'expiresInSeconds must be a whole number from 1 to 86400'],
        [{ claims: {}, expiresInSeconds: 86_401 }, 'expiresInSeconds must be a whole number from 1 to 86400'],
        [{ claims: {}, expiresInSeconds: 1.5 }, 'expiresInSeconds must be a whole number from 1 to 86400'],
        [{ claims: {}, expiresInSeconds: '60' }, 'expiresInSeconds must be a whole number from 1 to 86400'],
        [{ claims: {}, notBeforeSeconds: -1 }, 'notBeforeSeconds must be a whole number from 0 to 86400'],
        ['not json', 'the body must be a JSON object'],
        // As a JSON body parses them: deeper than JSON.stringify can recurse.
        [{ claims: { deep: JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown } }, 'claims are nested too deeply'],
      ];
      for (const [body, detail] of cases) {
        const problem = await problemOf(issue('tokens', body));
        expect([problem.status, problem.message], detail).to.deep.equal([400, detail]);
        expect(audit.take()).to.deep.equal({ keySet: 'tokens', action: 'jwt.issue', outcome: 'failure', detail });
      }
      expect((await issue('tokens', { claims: {}, expiresInSeconds: 86_400, notBeforeSeconds: 86_400 })).expiresAt).to.equal('2026-12-04T20:00:00.000Z');
    });

    it('issues a nested JWT for an enc set: signed by the paired set, encrypted to this set with cty JWT (RFC 7519 §5.2)', async () => {
      const issued = await issue('sealed', { claims: { sub: 'u' } });
      expect(issued.kid).to.equal('sealed-active');
      expect(decodeProtectedHeader(issued.jwt)).to.include({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'sealed-active', cty: 'JWT' });
      const { plaintext } = await compactDecrypt(issued.jwt, await importJWK(sealed.active.privateJwk, 'ECDH-ES+A256KW'));
      const inner = Buffer.from(plaintext).toString();
      expect(decodeProtectedHeader(inner)).to.deep.equal({ alg: 'EdDSA', kid: 'signer-active', typ: 'at+jwt' });
      const { payload } = await jwtVerify(inner, await publicJwk(signer), { issuer: `${ISSUER_BASE}sealed`, typ: 'at+jwt', currentDate: NOW });
      expect(payload.sub).to.equal('u');
      expect(audit.take()).to.deep.equal({ keySet: 'sealed', action: 'jwt.issue', kid: 'sealed-active', outcome: 'success' });
    });

    it('refuses an enc set with no paired sig set (400), audited; an unknown set is 404 and leaves no row', async () => {
      const problem = await problemOf(issue('lonely', { claims: {} }));
      expect([problem.status, problem.message]).to.deep.equal([400, 'key set lonely is an enc set with no paired sig set; it cannot issue JWTs']);
      expect(audit.take()).to.deep.include({ outcome: 'failure', detail: problem.message });
      expect((await problemOf(issue('nowhere', { claims: {} }))).status).to.equal(404);
      expect(audit.rows).to.deep.equal([]);
    });

    it('refuses a request without a principal before touching keys or the audit trail', async () => {
      const problem = await problemOf(call(handlers, 'issueJwt', { name: 'tokens', body: { claims: {} }, principal: null }));
      expect(problem.status).to.equal(401);
      expect(audit.rows).to.deep.equal([]);
    });
  });

  describe('verifyJwt', () => {
    const failed = async (name: string, body: Record<string, unknown>) => (await verify(name, body)).failed;

    it('answers valid with the claims and header for a JWT it issued, and audits the kid', async () => {
      const issued = await issue('tokens', { claims: { sub: 'u' }, audience: 'api' });
      audit.take();
      const verdict = await verify('tokens', { jwt: issued.jwt, audience: 'api', requiredClaims: ['sub', 'jti'] });
      expect(verdict.valid).to.equal(true);
      expect(verdict.header).to.deep.equal({ alg: 'ES256', kid: 'tokens-active', typ: 'JWT' });
      expect(verdict.claims).to.deep.include({ sub: 'u', aud: 'api', iss: `${ISSUER_BASE}tokens` });
      expect(audit.take()).to.deep.equal({ keySet: 'tokens', action: 'jwt.verify', kid: 'tokens-active', outcome: 'success' });
    });

    it('accepts a retired key by kid, refuses the next key (unknownKey) and another set\'s key', async () => {
      const retired = prepareKey(resolveAlgorithm('ES256'), tokens.retired[0] ?? tokens.active);
      const byRetired = signEs256(retired, { alg: 'ES256', kid: 'tokens-retired-0', typ: 'JWT' }, JSON.stringify(valid));
      expect((await verify('tokens', { jwt: byRetired })).valid).to.equal(true);
      expect(audit.take()).to.deep.include({ kid: 'tokens-retired-0', outcome: 'success' });
      const next = prepareKey(resolveAlgorithm('ES256'), tokens.next);
      const byNext = signEs256(next, { alg: 'ES256', kid: 'tokens-next', typ: 'JWT' }, JSON.stringify(valid));
      expect(await failed('tokens', { jwt: byNext })).to.deep.equal({ check: 'unknownKey', detail: 'no usable key of set tokens has this kid' });
      expect(audit.take()).to.deep.equal({ keySet: 'tokens', action: 'jwt.verify', outcome: 'failure', detail: 'unknownKey' });
    });

    it('answers malformed for text that is not a JWS, a header that is not JSON, a payload that is not a claims object, refused header members', async () => {
      const notJson = `${Buffer.from('{').toString('base64url')}.e30.AA`;
      for (const jwt of ['abc', 'a.b.c.d.e', notJson, tokenWith(valid).replace(/^[^.]+/, 'W10')]) {
        expect((await failed('tokens', { jwt }))?.check, jwt).to.equal('malformed');
      }
      const arrayPayload = signEs256(tokens.choice.active, { alg: 'ES256', kid: 'tokens-active', typ: 'JWT' }, '[1]');
      expect(await failed('tokens', { jwt: arrayPayload })).to.deep.equal({ check: 'malformed', detail: 'the JWT payload is not a JSON object' });
      expect(audit.rows.at(-1)?.entry).to.deep.equal({ keySet: 'tokens', action: 'jwt.verify', kid: 'tokens-active', outcome: 'failure', detail: 'malformed' });
      const notUtf8 = signEs256(tokens.choice.active, { alg: 'ES256', kid: 'tokens-active', typ: 'JWT' }, Buffer.from([0xff, 0xfe]));
      expect((await failed('tokens', { jwt: notUtf8 }))?.check).to.equal('malformed');
      for (const member of ['crit', 'zip', 'jku', 'jwk', 'x5u']) {
        expect(await failed('tokens', { jwt: tokenWith(valid, { [member]: member === 'crit' ? ['exp'] : 'x' }) }), member)
          .to.deep.equal({ check: 'malformed', detail: `the JOSE header member ${member} is not accepted` });
      }
    });

    it('answers algorithm for alg none, another alg, or an enc member, whatever the key', async () => {
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'tokens-active', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(valid)).toString('base64url')}.`;
      const cases = [unsigned, tokenWith(valid, { alg: 'ES384' }), tokenWith(valid, { alg: 'HS256' }), tokenWith(valid, { enc: 'A256GCM' })];
      for (const jwt of cases) expect(await failed('tokens', { jwt })).to.deep.equal({ check: 'algorithm', detail: 'key set tokens accepts ES256 only' });
    });

    it('answers signature for a tampered token or one signed by another key under a usable kid', async () => {
      const jwt = tokenWith(valid);
      const tampered = `${jwt.slice(0, -4)}${jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      expect(await failed('tokens', { jwt: tampered })).to.deep.equal({ check: 'signature', detail: 'the signature does not verify' });
      const forged = signEs256(prepareKey(resolveAlgorithm('ES256'), tokens.next), { alg: 'ES256', kid: 'tokens-active', typ: 'JWT' }, JSON.stringify(valid));
      expect((await failed('tokens', { jwt: forged }))?.check).to.equal('signature');
      expect(audit.rows.at(-1)?.entry).to.deep.equal({ keySet: 'tokens', action: 'jwt.verify', kid: 'tokens-active', outcome: 'failure', detail: 'signature' });
    });

    it('answers type for a JWS without the set\'s typ (a signed payload is not a JWT); typ compares per RFC 7515 §4.1.9', async () => {
      const payload = await sign(tokens.choice.active, Buffer.from(JSON.stringify(valid)));
      expect(await failed('tokens', { jwt: payload })).to.deep.equal({ check: 'type', detail: 'the JWS typ is not JWT' });
      expect((await failed('tokens', { jwt: tokenWith(valid, { typ: 'at+jwt' }) }))?.check).to.equal('type');
      expect((await failed('tokens', { jwt: tokenWith(valid, { typ: 7 }) }))?.check).to.equal('type');
      for (const typ of ['jwt', 'application/JWT']) expect((await verify('tokens', { jwt: tokenWith(valid, { typ }) })).valid, typ).to.equal(true);
    });

    it('answers issuer and audience', async () => {
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, iss: 'https://elsewhere' }) })).to.deep.equal({ check: 'issuer', detail: 'iss is not the issuer of this key set' });
      expect((await failed('tokens', { jwt: tokenWith({ ...valid, iss: undefined }) }))?.check).to.equal('issuer');
      const audienceFailure = { check: 'audience', detail: 'aud does not name the expected audience' };
      expect(await failed('tokens', { jwt: tokenWith(valid), audience: 'api' })).to.deep.equal(audienceFailure);
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, aud: ['web'] }), audience: 'api' })).to.deep.equal(audienceFailure);
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, aud: 'web' }), audience: 'api' })).to.deep.equal(audienceFailure);
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, aud: ['web', 'api'] }), audience: 'api' })).valid).to.equal(true);
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, aud: 'web' }) })).valid).to.equal(true);
    });

    it('answers expired on or after exp beyond the leeway, and for a missing or non-numeric exp (RFC 7519 §4.1.4)', async () => {
      const expired = { check: 'expired', detail: 'exp has passed or is not a NumericDate' };
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, exp: NOW_SECONDS - 30 }) })).to.deep.equal(expired);
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, exp: NOW_SECONDS - 29 }) })).valid).to.equal(true);
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, exp: NOW_SECONDS }), leewaySeconds: 0 })).to.deep.equal(expired);
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, exp: NOW_SECONDS + 1 }), leewaySeconds: 0 })).valid).to.equal(true);
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, exp: NOW_SECONDS - 299 }), leewaySeconds: 300 })).valid).to.equal(true);
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, exp: undefined }) })).to.deep.equal(expired);
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, exp: String(NOW_SECONDS + 60) }) })).to.deep.equal(expired);
      const issued = await issue('tokens', { claims: {}, expiresInSeconds: 60 });
      clock = new Date(NOW.getTime() + 90_000);
      expect((await failed('tokens', { jwt: issued.jwt }))?.check).to.equal('expired');
    });

    it('answers notYetValid before nbf and issuedInFuture for iat ahead, beyond the leeway (RFC 7519 §4.1.5, §4.1.6)', async () => {
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, nbf: NOW_SECONDS + 31 }) })).to.deep.equal({ check: 'notYetValid', detail: 'nbf is still ahead' });
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, nbf: NOW_SECONDS + 30 }) })).valid).to.equal(true);
      expect((await failed('tokens', { jwt: tokenWith({ ...valid, nbf: 'soon' }) }))?.check).to.equal('notYetValid');
      expect((await failed('tokens', { jwt: tokenWith({ ...valid, nbf: NOW_SECONDS + 1 }), leewaySeconds: 0 }))?.check).to.equal('notYetValid');
      expect(await failed('tokens', { jwt: tokenWith({ ...valid, iat: NOW_SECONDS + 31 }) })).to.deep.equal({ check: 'issuedInFuture', detail: 'iat is in the future' });
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, iat: NOW_SECONDS + 30 }) })).valid).to.equal(true);
      expect((await verify('tokens', { jwt: tokenWith({ ...valid, iat: undefined }) })).valid).to.equal(true);
      const later = await issue('tokens', { claims: {}, notBeforeSeconds: 120 });
      expect((await failed('tokens', { jwt: later.jwt }))?.check).to.equal('notYetValid');
      clock = new Date(NOW.getTime() + 120_000);
      expect((await verify('tokens', { jwt: later.jwt })).valid).to.equal(true);
    });

    it('answers missingClaim naming the first required claim the token lacks; inherited names are not claims', async () => {
      const jwt = tokenWith({ ...valid, sub: 'u' });
      expect(await failed('tokens', { jwt, requiredClaims: ['sub', 'email', 'name'] })).to.deep.equal({ check: 'missingClaim', detail: 'the claim email is missing' });
      expect((await failed('tokens', { jwt, requiredClaims: ['constructor'] }))?.detail).to.equal('the claim constructor is missing');
      expect((await verify('tokens', { jwt, requiredClaims: ['sub', 'iss'] })).valid).to.equal(true);
    });

    it('refuses a body outside the contract with 400 (audited), an unknown set with 404', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'jwt must be a string'],
        [{ jwt: 'a', audience: ['api'] }, 'audience must be a string'],
        [{ jwt: 'a', requiredClaims: 'sub' }, 'requiredClaims must be an array of strings'],
        [{ jwt: 'a', requiredClaims: [1] }, 'requiredClaims must be an array of strings'],
        [{ jwt: 'a', leewaySeconds: 301 }, 'leewaySeconds must be a whole number from 0 to 300'],
      ];
      for (const [body, detail] of cases) {
        const problem = await problemOf(verify('tokens', body));
        expect([problem.status, problem.message]).to.deep.equal([400, detail]);
        expect(audit.take()).to.deep.equal({ keySet: 'tokens', action: 'jwt.verify', outcome: 'failure', detail });
      }
      expect((await problemOf(verify('nowhere', { jwt: 'a' }))).status).to.equal(404);
    });

    describe('nested JWT of an enc set', () => {
      it('decrypts with this set, verifies with the paired set, and audits this set\'s kid', async () => {
        const issued = await issue('sealed', { claims: { sub: 'u' } });
        audit.take();
        const verdict = await verify('sealed', { jwt: issued.jwt, requiredClaims: ['sub'] });
        expect(verdict.valid).to.equal(true);
        expect(verdict.header).to.deep.equal({ alg: 'EdDSA', kid: 'signer-active', typ: 'at+jwt' });
        expect(verdict.claims).to.deep.include({ sub: 'u', iss: `${ISSUER_BASE}sealed` });
        expect(audit.take()).to.deep.equal({ keySet: 'sealed', action: 'jwt.verify', kid: 'sealed-active', outcome: 'success' });
      });

      it('answers malformed for a JWS, decryption for a JWE that does not open, type without cty JWT, and the inner check with this set\'s kid', async () => {
        const issued = await issue('sealed', { claims: {} });
        expect((await failed('sealed', { jwt: tokenWith(valid) }))?.check).to.equal('malformed');
        const parts = issued.jwt.split('.');
        parts[4] = Buffer.alloc(16).toString('base64url');
        expect(await failed('sealed', { jwt: parts.join('.') })).to.deep.equal({ check: 'decryption', detail: 'the JWE does not decrypt' });
        const encryptionKey = await importJWK(publicOf(sealed.active), 'ECDH-ES+A256KW');
        const header = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'sealed-active' };
        const signedInner = await sign(signer.choice.active, Buffer.from(JSON.stringify({ ...valid, iss: `${ISSUER_BASE}sealed` })), { typ: 'at+jwt' });
        const withoutCty = await new CompactEncrypt(Buffer.from(signedInner)).setProtectedHeader(header).encrypt(encryptionKey);
        expect(await failed('sealed', { jwt: withoutCty })).to.deep.equal({ check: 'type', detail: 'the JWE does not carry a JWT (cty)' });
        const wrapped = await new CompactEncrypt(Buffer.from(signedInner)).setProtectedHeader({ ...header, cty: 'jwt' }).encrypt(encryptionKey);
        expect((await verify('sealed', { jwt: wrapped })).valid).to.equal(true);
        const byTokens = await new CompactEncrypt(Buffer.from(tokenWith(valid))).setProtectedHeader({ ...header, cty: 'JWT' }).encrypt(encryptionKey);
        audit.rows.splice(0);
        expect((await failed('sealed', { jwt: byTokens }))?.check).to.equal('algorithm');
        expect(audit.take()).to.deep.equal({ keySet: 'sealed', action: 'jwt.verify', kid: 'sealed-active', outcome: 'failure', detail: 'algorithm' });
      });

      it('refuses an enc set with no paired sig set (400)', async () => {
        const problem = await problemOf(verify('lonely', { jwt: 'a.b.c.d.e' }));
        expect([problem.status, problem.message]).to.deep.equal([400, 'key set lonely is an enc set with no paired sig set; it cannot verify JWTs']);
      });
    });
  });
});
