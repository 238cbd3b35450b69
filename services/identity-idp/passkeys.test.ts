import type { EntityManager } from '@mikro-orm/core';
import { expect } from 'chai';
import { createHashService, type HashService } from '../template/hash/index.ts';
import { signingKeyEntities, signingKeyMigrations } from '../template/signing-keys/index.ts';
import { describeOnDatabases } from '../template/testing/databases.ts';
import { entities, IdpPasskey, IdpPasskeyChallenge, type IdpUser } from './entities.ts';
import { migrations } from './migrations.ts';
import { CEREMONY_SECONDS, parseCredential, Passkeys, relyingPartyOf } from './passkeys.ts';
import { SoftwareAuthenticator, type Answering } from './testing/authenticator.ts';
import { newUser } from './users.ts';

const PARALLEL = 20;
const RP = relyingPartyOf('https://idp.example:8181/');
const FAITHFUL: Answering = { origin: RP.origin, rpId: RP.id };
const NO_USER = '01900000-0000-7000-8000-000000000000';

describe('passkey relying party and responses', () => {
  it('takes the RP ID and origin from the public URL (WebAuthn §5.1.2)', () => {
    expect(RP).to.deep.equal({ id: 'idp.example', origin: 'https://idp.example:8181' });
  });

  it('reads the challenge of a credential response and refuses anything else without verifying', () => {
    const clientData = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    const good = { id: 'abc', type: 'public-key', response: { clientDataJSON: clientData({ challenge: 'c1' }) } };
    expect(parseCredential(JSON.stringify(good))).to.deep.include({ id: 'abc', challenge: 'c1' });
    const bad = [
      null,
      'not json',
      '[]',
      JSON.stringify({ ...good, id: 7 }),
      JSON.stringify({ ...good, type: 'password' }),
      JSON.stringify({ ...good, response: 'x' }),
      JSON.stringify({ ...good, response: { clientDataJSON: clientData(['c1']) } }),
      JSON.stringify({ ...good, response: { clientDataJSON: clientData({ challenge: '' }) } }),
      JSON.stringify({ ...good, response: { clientDataJSON: 'not-base64-json' } }),
      JSON.stringify({ ...good, padding: 'x'.repeat(70_000) }),
    ];
    for (const text of bad) expect(parseCredential(text), String(text).slice(0, 60)).to.equal(undefined);
  });
});

describeOnDatabases('identity-idp passkeys (WebAuthn ceremonies against a software authenticator)', { entities: [...signingKeyEntities, ...entities], migrations: [...signingKeyMigrations, ...migrations] }, (db) => {
  let hash: HashService;
  let nowMs = Date.UTC(2026, 10, 1);
  const now = (): Date => new Date(nowMs);
  const passkeys = new Passkeys({ relyingParty: () => RP, now });

  before(async () => {
    hash = await createHashService({ pepper: 'a-test-pepper-of-at-least-32-bytes!!' });
  });

  function em(): EntityManager {
    return db().fork();
  }

  async function user(username: string): Promise<IdpUser> {
    const fork = em();
    const created = await newUser(fork, hash, { username, email: `${username}@example.com`, password: 'twelve chars+' });
    await fork.flush();
    return created;
  }

  /** A user with one registered passkey of `device`. */
  async function registered(username: string, device = new SoftwareAuthenticator()): Promise<{ who: IdpUser; device: SoftwareAuthenticator; passkey: IdpPasskey }> {
    const who = await user(username);
    const options = await passkeys.registrationOptions(em(), who, `session-${username}`);
    const passkey = await passkeys.register(em(), who, `session-${username}`, device.register(options, FAITHFUL));
    if (typeof passkey === 'string') throw new Error(`registration refused: ${passkey}`);
    return { who, device, passkey };
  }

  /** A fresh passwordless challenge for `binding`. */
  async function loginChallenge(binding: string): Promise<string> {
    return (await passkeys.authenticationOptions(em(), 'login', binding)).challenge;
  }

  it('registers a discoverable credential with user verification: id, public key, counter, transports, times', async () => {
    const alice = await user('alice');
    const options = await passkeys.registrationOptions(em(), alice, 'session-a');
    expect(options.rp).to.deep.equal({ name: 'cryptoutil', id: 'idp.example' });
    expect(options.authenticatorSelection).to.deep.include({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(options.user.name).to.equal('alice');
    const device = new SoftwareAuthenticator();
    const response = device.register(options, FAITHFUL);
    const stored = await passkeys.register(em(), alice, 'session-a', response);
    expect(stored).to.deep.include({ userId: alice.id, credentialId: device.id, counter: 0, transports: 'internal hybrid', amr: 'hwk', lastUsedAt: null });
    expect(await passkeys.has(em(), alice.id)).to.equal(true);
    const [row] = await passkeys.list(em(), alice.id);
    expect(row?.createdAt.getTime()).to.equal(nowMs);
    expect(row?.publicKey.length).to.be.greaterThan(60);
    // The challenge went with the first use: the same response again is refused.
    expect(await passkeys.register(em(), alice, 'session-a', response)).to.equal('invalid');
    // A second registration of the same credential is a duplicate; the options exclude it.
    const again = await passkeys.registrationOptions(em(), alice, 'session-a');
    expect(again.excludeCredentials?.map((credential) => credential.id)).to.deep.equal([device.id]);
    expect(await passkeys.register(em(), alice, 'session-a', device.register(again, FAITHFUL))).to.equal('duplicate');
    expect(await passkeys.has(em(), (await user('nobody')).id)).to.equal(false);
  });

  it('refuses a registration without user verification, from another origin or RP ID, with a bad attestation, or for another binding or after expiry', async () => {
    const bob = await user('bob');
    const attempt = async (answering: Answering, binding = 'session-b', advanceMs = 0): Promise<unknown> => {
      const options = await passkeys.registrationOptions(em(), bob, 'session-b');
      nowMs += advanceMs;
      return passkeys.register(em(), bob, binding, new SoftwareAuthenticator().register(options, answering));
    };
    expect(await attempt({ ...FAITHFUL, uv: false })).to.equal('invalid');
    expect(await attempt({ ...FAITHFUL, origin: 'https://evil.example' })).to.equal('invalid');
    expect(await attempt({ ...FAITHFUL, rpId: 'evil.example' })).to.equal('invalid');
    expect(await attempt({ ...FAITHFUL, badAttestation: true })).to.equal('invalid');
    expect(await attempt(FAITHFUL, 'session-other')).to.equal('invalid');
    expect(await attempt(FAITHFUL, 'session-b', CEREMONY_SECONDS * 1000)).to.equal('invalid');
    expect(await passkeys.register(em(), bob, 'session-b', 'garbage')).to.equal('invalid');
    expect(await passkeys.has(em(), bob.id)).to.equal(false);
    // A database failure other than a duplicate is not hidden (here: no such user).
    const ghost = { id: NO_USER, username: 'ghost' } as IdpUser;
    const options = await passkeys.registrationOptions(em(), ghost, 'session-g');
    expect(await passkeys.register(em(), ghost, 'session-g', new SoftwareAuthenticator().register(options, FAITHFUL)).then(() => 'stored', () => 'refused')).to.equal('refused');
  });

  it(`consumes a registration challenge once for ${String(PARALLEL)} parallel submissions`, async () => {
    const carol = await user('carol');
    const options = await passkeys.registrationOptions(em(), carol, 'session-c');
    const response = new SoftwareAuthenticator().register(options, FAITHFUL);
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => passkeys.register(em(), carol, 'session-c', response)));
    expect(results.filter((result) => typeof result !== 'string')).to.have.length(1);
    expect(await em().count(IdpPasskey, { userId: carol.id })).to.equal(1);
  });

  it('signs in passwordless: the credential names its user, the counter moves, the use is recorded', async () => {
    const { who, device, passkey } = await registered('dave');
    const challenge = await loginChallenge('request-d');
    const response = device.assert(challenge, FAITHFUL);
    expect((await passkeys.claimed(em(), response))?.id).to.equal(passkey.id);
    nowMs += 1000;
    const used = await passkeys.authenticate(em(), 'login', 'request-d', passkey, response);
    expect(used?.amr).to.equal('hwk');
    const row = await em().findOneOrFail(IdpPasskey, { id: passkey.id });
    expect(row.counter).to.equal(1);
    expect(row.lastUsedAt?.getTime()).to.equal(nowMs);
    expect(row.userId).to.equal(who.id);
    // Replayed: the challenge is gone.
    expect(await passkeys.authenticate(em(), 'login', 'request-d', row, response)).to.equal(undefined);
  });

  it('refuses an unknown credential, another origin or RP ID, no user verification, a wrong user handle, signature, purpose or binding', async () => {
    const { passkey, device } = await registered('erin');
    expect(await passkeys.claimed(em(), new SoftwareAuthenticator().assert(await loginChallenge('r'), FAITHFUL))).to.equal(undefined);
    expect(await passkeys.claimed(em(), 'garbage')).to.equal(undefined);
    const refused = async (answering: Answering, purpose: 'login' | 'second-factor' = 'login', binding = 'request-e', tamper = (text: string): string => text): Promise<void> => {
      const current = await em().findOneOrFail(IdpPasskey, { id: passkey.id });
      const response = tamper(device.assert(await loginChallenge('request-e'), answering));
      expect(await passkeys.authenticate(em(), purpose, binding, current, response), JSON.stringify(answering)).to.equal(undefined);
    };
    await refused({ ...FAITHFUL, origin: 'https://evil.example' });
    await refused({ ...FAITHFUL, rpId: 'evil.example' });
    await refused({ ...FAITHFUL, uv: false });
    await refused({ ...FAITHFUL, userHandle: Buffer.from(NO_USER).toString('base64url') });
    await refused(FAITHFUL, 'second-factor');
    await refused(FAITHFUL, 'login', 'request-other');
    await refused({ ...FAITHFUL, badSignature: true });
    await refused(FAITHFUL, 'login', 'request-e', (text) => {
      const json = JSON.parse(text) as { response: { signature: string } };
      json.response.signature = 'AAAA';
      return JSON.stringify(json);
    });
    // Another credential's response for this passkey.
    await refused(FAITHFUL, 'login', 'request-e', (text) => JSON.stringify({ ...(JSON.parse(text) as object), id: 'another' }));
    const row = await em().findOneOrFail(IdpPasskey, { id: passkey.id });
    expect(row.counter).to.equal(0);
    expect(row.lastUsedAt).to.equal(null);
    // Without a user handle (a second factor names the credential) it still signs in.
    const challenge = (await passkeys.authenticationOptions(em(), 'second-factor', 'pending-e', row.userId)).challenge;
    const response = JSON.parse(device.assert(challenge, FAITHFUL)) as { response: Record<string, unknown> };
    delete response.response.userHandle;
    expect((await passkeys.authenticate(em(), 'second-factor', 'pending-e', row, JSON.stringify(response)))?.amr).to.equal('hwk');
  });

  it('records a synced passkey as swk, and one registered without transports with none', async () => {
    const lou = await user('lou');
    const options = await passkeys.registrationOptions(em(), lou, 'session-l');
    const stored = await passkeys.register(em(), lou, 'session-l', new SoftwareAuthenticator().register(options, { ...FAITHFUL, synced: true, transports: [] }));
    expect(stored).to.deep.include({ amr: 'swk', transports: '' });
    const second = await passkeys.authenticationOptions(em(), 'second-factor', 'pending-l', lou.id);
    expect(second.allowCredentials?.[0]?.transports).to.deep.equal([]);
  });

  it('names the user\'s credentials in a second factor\'s options', async () => {
    const { who, device } = await registered('fay');
    const options = await passkeys.authenticationOptions(em(), 'second-factor', 'pending-f', who.id);
    expect(options.userVerification).to.equal('required');
    expect(options.allowCredentials).to.deep.equal([{ id: device.id, type: 'public-key', transports: ['internal', 'hybrid'] }]);
    expect((await passkeys.authenticationOptions(em(), 'login', 'request-f')).allowCredentials).to.equal(undefined);
  });

  it('refuses a counter that does not move forward (a cloned authenticator, WebAuthn §6.1.1)', async () => {
    const { passkey, device } = await registered('gus');
    expect(await passkeys.authenticate(em(), 'login', 'r-g', passkey, device.assert(await loginChallenge('r-g'), { ...FAITHFUL, counter: 5 }))).to.not.equal(undefined);
    const row = await em().findOneOrFail(IdpPasskey, { id: passkey.id });
    for (const counter of [5, 4, 0]) {
      expect(await passkeys.authenticate(em(), 'login', 'r-g', row, device.assert(await loginChallenge('r-g'), { ...FAITHFUL, counter })), String(counter)).to.equal(undefined);
    }
    // The stored row decides, not the copy read before: a stale copy with counter 0 cannot go back.
    expect(await passkeys.authenticate(em(), 'login', 'r-g', passkey, device.assert(await loginChallenge('r-g'), { ...FAITHFUL, counter: 3 }))).to.equal(undefined);
    expect((await em().findOneOrFail(IdpPasskey, { id: passkey.id })).counter).to.equal(5);
  });

  it('accepts an authenticator that keeps no counter (always 0)', async () => {
    const { passkey, device } = await registered('hal');
    for (let round = 0; round < 2; round += 1) {
      expect(await passkeys.authenticate(em(), 'login', 'r-h', passkey, device.assert(await loginChallenge('r-h'), { ...FAITHFUL, counter: 0 }))).to.not.equal(undefined);
    }
  });

  it(`lets exactly one of ${String(PARALLEL)} parallel submissions of one assertion through, and one of two clones with the same counter`, async () => {
    const { passkey, device } = await registered('ivy');
    const response = device.assert(await loginChallenge('r-i'), FAITHFUL);
    const results = await Promise.all(Array.from({ length: PARALLEL }, () => passkeys.authenticate(em(), 'login', 'r-i', passkey, response)));
    expect(results.filter((result) => result !== undefined)).to.have.length(1);
    // Two assertions over two challenges, both reporting counter 9: the guarded UPDATE takes one.
    const stored = await em().findOneOrFail(IdpPasskey, { id: passkey.id });
    const twins = [device.assert(await loginChallenge('r-i'), { ...FAITHFUL, counter: 9 }), device.assert(await loginChallenge('r-i'), { ...FAITHFUL, counter: 9 })];
    const raced = await Promise.all(twins.map((twin) => passkeys.authenticate(em(), 'login', 'r-i', stored, twin)));
    expect(raced.filter((result) => result !== undefined)).to.have.length(1);
    expect(await em().count(IdpPasskeyChallenge, { binding: 'r-i' })).to.equal(0);
  });

  it('removes a passkey of its own user only', async () => {
    const { who, passkey } = await registered('jan');
    const other = await user('kim');
    expect(await passkeys.remove(em(), other.id, passkey.id)).to.equal(false);
    expect(await passkeys.remove(em(), who.id, passkey.id)).to.equal(true);
    expect(await passkeys.has(em(), who.id)).to.equal(false);
  });
});
