import type { EntityManager } from '@mikro-orm/core';
import { expect } from 'chai';
import { createBarrierWithStore, MemoryBarrierStore, newUnsealShares, type Barrier } from '../template/barrier/index.ts';
import { createHashService, type HashService } from '../template/hash/index.ts';
import { signingKeyEntities, signingKeyMigrations } from '../template/signing-keys/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { entities, IdpPendingLogin, IdpRecoveryCode, IdpTotp, type IdpUser } from './entities.ts';
import { migrations } from './migrations.ts';
import { PENDING_LOGIN_SECONDS, PendingLogins } from './pending-logins.ts';
import { Passkeys, relyingPartyOf } from './passkeys.ts';
import { newRecoveryCode, normalizeRecoveryCode, RECOVERY_CODE_COUNT, RecoveryCodes } from './recovery-codes.ts';
import { amrAfter, applicableFactors, recoveryCodesLeft, secondFactors } from './second-factors.ts';
import { matchingStep, timeStep, TOTP_PERIOD_SECONDS, totpAad, TotpAuthenticators, totpCode, totpUri } from './totp.ts';
import { newUser } from './users.ts';

const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
/** The start of a time step, so the window's edges are whole steps away. */
const T0 = 59_000_000 * TOTP_PERIOD_SECONDS * 1000;
const STEP_MS = TOTP_PERIOD_SECONDS * 1000;
const PARALLEL = 20;
const NO_USER = '01900000-0000-7000-8000-000000000000';

describe('TOTP codes (RFC 6238) on an injected clock', () => {
  it('accepts the current step and one step either side, and nothing further', () => {
    const step = timeStep(T0);
    expect(matchingStep(SECRET, totpCode(SECRET, T0), T0)).to.equal(step);
    expect(matchingStep(SECRET, totpCode(SECRET, T0 - STEP_MS), T0)).to.equal(step - 1);
    expect(matchingStep(SECRET, totpCode(SECRET, T0 + STEP_MS), T0)).to.equal(step + 1);
    expect(matchingStep(SECRET, totpCode(SECRET, T0 - 2 * STEP_MS), T0)).to.equal(undefined);
    expect(matchingStep(SECRET, totpCode(SECRET, T0 + 2 * STEP_MS), T0)).to.equal(undefined);
    // The last millisecond of a step still belongs to it; the next one starts the next step.
    expect(matchingStep(SECRET, totpCode(SECRET, T0 - STEP_MS), T0 + STEP_MS - 1)).to.equal(step - 1);
    expect(matchingStep(SECRET, totpCode(SECRET, T0 - STEP_MS), T0 + STEP_MS)).to.equal(undefined);
  });

  it('refuses a wrong code and anything that is not six digits, without an HMAC', () => {
    const right = totpCode(SECRET, T0);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (const code of [wrong, '', '12345', '1234567', 'abcdef', ` ${right}`]) expect(matchingStep(SECRET, code, T0), code).to.equal(undefined);
  });

  it('writes the otpauth URI apps scan: issuer, account, SHA1, 6 digits, 30 s', () => {
    const uri = new URL(totpUri(SECRET, 'alice'));
    expect(uri.protocol).to.equal('otpauth:');
    expect(uri.host).to.equal('totp');
    expect(decodeURIComponent(uri.pathname)).to.equal('/cryptoutil:alice');
    expect(Object.fromEntries(uri.searchParams)).to.deep.equal({ issuer: 'cryptoutil', secret: SECRET, algorithm: 'SHA1', digits: '6', period: '30' });
    expect(totpAad('u1')).to.equal('identity-idp/idp_totp/u1');
  });

  it('makes recovery codes of 16 base32 characters in groups of four, and reads them back however typed', () => {
    const codes = new Set(Array.from({ length: 50 }, newRecoveryCode));
    expect(codes.size).to.equal(50);
    for (const code of codes) expect(code).to.match(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(normalizeRecoveryCode(' abcd-efgh ijkl-mnop ')).to.equal('ABCDEFGHIJKLMNOP');
    for (const bad of ['', 'ABCD-EFGH-IJKL-MNO', 'ABCD-EFGH-IJKL-MNO1', 'ABCD-EFGH-IJKL-MNOPQ']) expect(normalizeRecoveryCode(bad), bad).to.equal(undefined);
  });

  it('asks for pwd, the factor and mfa (RFC 8176), and says how many codes are left', () => {
    expect(amrAfter({ amr: ['otp'] })).to.deep.equal(['pwd', 'otp', 'mfa']);
    expect(recoveryCodesLeft(9)).to.equal('9 recovery codes left.');
    expect(recoveryCodesLeft(1)).to.equal('1 recovery code left.');
  });
});

describeOnDatabases('identity-idp second factors', { entities: [...signingKeyEntities, ...entities], migrations: [...signingKeyMigrations, ...migrations] }, (db) => {
  let hash: HashService;
  let barrier: Barrier;
  let nowMs = T0;
  const now = (): Date => new Date(nowMs);
  let totp: TotpAuthenticators;
  let recovery: RecoveryCodes;
  let passkeys: Passkeys;
  before(async () => {
    hash = await createHashService({ pepper: 'a-test-pepper-of-at-least-32-bytes!!' });
    barrier = createBarrierWithStore(new MemoryBarrierStore(), 2);
    await barrier.unseal((await newUnsealShares(3, 2)).slice(0, 2));
    totp = new TotpAuthenticators({ barrier, now });
    recovery = new RecoveryCodes({ hash, now });
    passkeys = new Passkeys({ relyingParty: () => relyingPartyOf('https://idp.example'), now });
  });

  async function user(username: string): Promise<IdpUser> {
    const em = db().fork();
    const created = await newUser(em, hash, { username, email: `${username}@example.com`, password: 'twelve chars+' });
    await em.flush();
    return created;
  }

  /** A user with a confirmed authenticator; answers the secret. */
  async function enrolled(username: string): Promise<{ user: IdpUser; secret: string }> {
    const who = await user(username);
    const secret = (await totp.enrolment(db().fork(), who))?.secret ?? '';
    nowMs -= STEP_MS;
    expect(await totp.verify(db().fork(), who.id, totpCode(secret, nowMs), true)).to.equal(true);
    nowMs += STEP_MS;
    return { user: who, secret };
  }

  function em(): EntityManager {
    return db().fork();
  }

  it('keeps the secret only as barrier ciphertext bound to its user, and shows the same enrolment until it is confirmed', async () => {
    const alice = await user('alice');
    const first = await totp.enrolment(em(), alice);
    const again = await totp.enrolment(em(), alice);
    expect(again).to.deep.equal(first);
    // Parallel first visits make one enrolment: the loser of the insert shows the winner's.
    const hasty = await user('hasty');
    const shown = await Promise.all(Array.from({ length: 5 }, () => totp.enrolment(em(), hasty)));
    expect(new Set(shown.map((enrolment) => enrolment?.secret)).size).to.equal(1);
    // Any other failure of the insert is not hidden (here: no such user).
    const ghost = { id: NO_USER, username: 'ghost' } as IdpUser;
    expect(await totp.enrolment(em(), ghost).then(() => 'made', () => 'refused')).to.equal('refused');
    const row = await em().findOneOrFail(IdpTotp, { userId: alice.id });
    expect(row.confirmedAt).to.equal(null);
    expect(Buffer.from(row.sealedSecret).toString('latin1')).not.to.include(first?.secret ?? '-');
    expect(await barrier.decrypt(row.sealedSecret, totpAad('someone-else')).then(() => 'opened', () => 'refused')).to.equal('refused');
    // Unconfirmed, it guards nothing: no login code is accepted and no factor applies.
    expect(await totp.verify(em(), alice.id, totpCode(first?.secret ?? '', nowMs))).to.equal(false);
    expect(await applicableFactors(secondFactors({ totp, recoveryCodes: recovery, passkeys }), em(), alice)).to.deep.equal([]);
  });

  it('confirms with one valid code, then accepts each later code once and never an earlier step (replay)', async () => {
    const { user: bob, secret } = await enrolled('bob');
    expect(await totp.enrolment(em(), bob)).to.equal(undefined);
    expect(await totp.confirmed(em(), bob.id)).to.equal(true);
    // The confirmation used the step before now: the current code still works, once.
    expect(await totp.verify(em(), bob.id, totpCode(secret, nowMs))).to.equal(true);
    expect(await totp.verify(em(), bob.id, totpCode(secret, nowMs))).to.equal(false);
    // Still within the window, but a step before the one used: refused.
    expect(await totp.verify(em(), bob.id, totpCode(secret, nowMs - STEP_MS))).to.equal(false);
    nowMs += STEP_MS;
    expect(await totp.verify(em(), bob.id, '000000')).to.equal(totpCode(secret, nowMs) === '000000');
    expect(await totp.verify(em(), bob.id, totpCode(secret, nowMs))).to.equal(true);
    expect(await totp.verify(em(), NO_USER, totpCode(secret, nowMs))).to.equal(false);
    const factors = await applicableFactors(secondFactors({ totp, recoveryCodes: recovery, passkeys }), em(), bob);
    expect(factors.map((factor) => factor.method)).to.deep.equal(['totp', 'recovery']);
  });

  it(`accepts exactly one of ${String(PARALLEL)} parallel submissions of one code`, async () => {
    const { user: carol, secret } = await enrolled('carol');
    nowMs += STEP_MS;
    const code = totpCode(secret, nowMs);
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => totp.verify(em(), carol.id, code)));
    expect(answers.filter(Boolean)).to.have.length(1);
  });

  it('stores ten recovery codes only as HighEntropyRandom hashes; each is used once and says how many are left', async () => {
    const dave = await user('dave');
    const codes = await recovery.replace(em(), dave.id);
    expect(codes).to.have.length(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).to.equal(RECOVERY_CODE_COUNT);
    const rows = await em().find(IdpRecoveryCode, { userId: dave.id });
    expect(rows).to.have.length(RECOVERY_CODE_COUNT);
    for (const row of rows) {
      expect(row.codeHash).to.match(/^\$high-entropy-random\$/);
      for (const code of codes) {
        expect(row.codeHash).not.to.include(code);
        expect(row.codeHash).not.to.include(normalizeRecoveryCode(code));
      }
    }
    const [first = '', second = ''] = codes;
    expect(await recovery.use(em(), dave.id, first.toLowerCase())).to.equal(9);
    expect(await recovery.use(em(), dave.id, first)).to.equal(undefined);
    expect(await recovery.use(em(), dave.id, 'AAAA-AAAA-AAAA-AAAA')).to.equal(undefined);
    expect(await recovery.use(em(), dave.id, 'not a code')).to.equal(undefined);
    expect(await recovery.use(em(), NO_USER, second)).to.equal(undefined);
    expect(await recovery.remaining(em(), dave.id)).to.equal(9);
    // New codes replace every old one, used or not.
    const fresh = await recovery.replace(em(), dave.id);
    expect(await recovery.use(em(), dave.id, second)).to.equal(undefined);
    expect(await recovery.remaining(em(), dave.id)).to.equal(10);
    expect(fresh).not.to.include(second);
  });

  it(`uses one recovery code for exactly one of ${String(PARALLEL)} parallel submissions`, async () => {
    const erin = await user('erin');
    const [code = ''] = await recovery.replace(em(), erin.id);
    const answers = await Promise.all(Array.from({ length: PARALLEL }, () => recovery.use(em(), erin.id, code)));
    expect(answers.filter((left) => left !== undefined)).to.deep.equal([9]);
  });

  it('passes the seam\'s factors: a TOTP code, or a recovery code with a notice of what is left', async () => {
    const { user: frank, secret } = await enrolled('frank');
    const [code = ''] = await recovery.replace(em(), frank.id);
    const [byTotp, byRecovery] = secondFactors({ totp, recoveryCodes: recovery, passkeys });
    nowMs += STEP_MS;
    const form = (value: string): URLSearchParams => new URLSearchParams({ code: value });
    expect(await byTotp?.verify({ em: em(), user: frank, form: form(totpCode(secret, nowMs)), pendingId: 'p' })).to.deep.equal({});
    expect(await byTotp?.verify({ em: em(), user: frank, form: new URLSearchParams(), pendingId: 'p' })).to.equal(undefined);
    expect(await byRecovery?.verify({ em: em(), user: frank, form: form(code), pendingId: 'p' })).to.deep.equal({ notice: 'You signed in with a recovery code. 9 recovery codes left.' });
    expect(await byRecovery?.verify({ em: em(), user: frank, form: new URLSearchParams(), pendingId: 'p' })).to.equal(undefined);
  });

  it('binds a pending login to its cookie value and request, for five minutes, and finishes it once', async () => {
    const grace = await user('grace');
    const pending = new PendingLogins({ hash, now });
    const token = await pending.create(em(), grace, 'request-1');
    const found = await pending.find(em(), token, 'request-1');
    expect(found?.user.id).to.equal(grace.id);
    expect(await pending.find(em(), token, 'request-2')).to.equal(undefined);
    expect(await pending.find(em(), undefined, 'request-1')).to.equal(undefined);
    expect(await pending.find(em(), 'x'.repeat(43), 'request-1')).to.equal(undefined);
    const rows = await em().find(IdpPendingLogin, { userId: grace.id });
    expect(rows.map((row) => row.tokenHash)).not.to.include(token);
    nowMs += PENDING_LOGIN_SECONDS * 1000;
    expect(await pending.find(em(), token, 'request-1')).to.equal(undefined);
    nowMs -= PENDING_LOGIN_SECONDS * 1000;
    const id = found?.id ?? '';
    const finished = await Promise.all(Array.from({ length: 5 }, () => pending.finish(em(), id)));
    expect(finished.filter(Boolean)).to.have.length(1);
  });
});
