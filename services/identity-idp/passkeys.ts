/**
 * Passkeys (WebAuthn Level 3 discoverable credentials) as the login and account pages use them.
 * Every ceremony has its own challenge row: issued for one purpose and one binding (the session,
 * the pending login or the login request), expiring with the pending login, and consumed by one
 * guarded DELETE before the response is checked, so of parallel submissions of one response at
 * most one goes on. User verification is required in every ceremony, and the authenticator's
 * signature counter only moves forward, by a guarded UPDATE: a counter that does not is a cloned
 * authenticator (WebAuthn §6.1.1), refused.
 */
import type { EntityManager } from '@mikro-orm/core';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { isUniqueViolation, uuidv7 } from '../template/database/index.ts';
import { IdpPasskey, IdpPasskeyChallenge, type IdpUser } from './entities.ts';
import { PENDING_LOGIN_SECONDS } from './pending-logins.ts';

/** What a challenge was issued for; a response is checked only against a challenge of its own kind. */
export type CeremonyPurpose = 'register' | 'login' | 'second-factor';

/** WebAuthn §5.1.2 / §13.4.9: the RP ID is the idp's host, the only origin its own. */
export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
}

/** The relying party of the idp's public URL. */
export function relyingPartyOf(publicUrl: string): RelyingParty {
  const url = new URL(publicUrl);
  return { id: url.hostname, origin: url.origin };
}

/** The name the authenticator shows beside the account. */
export const RP_NAME = 'cryptoutil';
/** A ceremony lasts as long as a pending login: the user has the same time to touch the key. */
export const CEREMONY_SECONDS = PENDING_LOGIN_SECONDS;

/** Why a registration was refused, for the page to say. */
export type RegistrationRefusal = 'invalid' | 'duplicate';

/** A passkey that signed in: which one, and the RFC 8176 value it reports. */
export interface PasskeyUse {
  readonly passkey: IdpPasskey;
  readonly amr: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A credential response as the browser's `toJSON()` writes it, with its challenge; undefined for anything else. */
export function parseCredential(text: string | null): { readonly json: Record<string, unknown>; readonly id: string; readonly challenge: string } | undefined {
  if (text === null || text.length > 65_536) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
    if (!isRecord(json) || typeof json.id !== 'string' || json.type !== 'public-key' || !isRecord(json.response)) return undefined;
    const clientData: unknown = JSON.parse(Buffer.from(String(json.response.clientDataJSON), 'base64url').toString('utf8'));
    if (!isRecord(clientData) || typeof clientData.challenge !== 'string' || clientData.challenge === '') return undefined;
    return { json, id: json.id, challenge: clientData.challenge };
  } catch {
    return undefined;
  }
}

export interface PasskeysOptions {
  readonly relyingParty: () => RelyingParty;
  readonly now: () => Date;
}

export class Passkeys {
  readonly #relyingParty: () => RelyingParty;
  readonly #now: () => Date;

  constructor(options: PasskeysOptions) {
    this.#relyingParty = options.relyingParty;
    this.#now = options.now;
  }

  /** The user's passkeys, oldest first. */
  list(em: EntityManager, userId: string): Promise<IdpPasskey[]> {
    return em.fork().find(IdpPasskey, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  async has(em: EntityManager, userId: string): Promise<boolean> {
    return await em.count(IdpPasskey, { userId }) > 0;
  }

  async #issue(em: EntityManager, challenge: string, purpose: CeremonyPurpose, binding: string): Promise<void> {
    const expiresAt = new Date(this.#now().getTime() + CEREMONY_SECONDS * 1000);
    await em.insert(IdpPasskeyChallenge, { challenge, purpose, binding, expiresAt });
  }

  /** Consumes a live challenge of this purpose and binding: true for exactly one caller. */
  async #consume(em: EntityManager, challenge: string, purpose: CeremonyPurpose, binding: string): Promise<boolean> {
    return await em.nativeDelete(IdpPasskeyChallenge, { challenge, purpose, binding, expiresAt: { $gt: this.#now() } }) === 1;
  }

  /** Options for `navigator.credentials.create()`: a discoverable credential, user verification required. */
  async registrationOptions(em: EntityManager, user: IdpUser, binding: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const rp = this.#relyingParty();
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: rp.id,
      userName: user.username,
      userDisplayName: user.username,
      userID: Buffer.from(user.id, 'utf8'),
      timeout: CEREMONY_SECONDS * 1000,
      attestationType: 'none',
      excludeCredentials: (await this.list(em, user.id)).map((passkey) => ({ id: passkey.credentialId })),
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      extensions: { credProps: true },
    });
    await this.#issue(em, options.challenge, 'register', binding);
    return options;
  }

  /** Checks a registration response and stores the passkey; a refusal says why. */
  async register(em: EntityManager, user: IdpUser, binding: string, text: string | null): Promise<IdpPasskey | RegistrationRefusal> {
    const parsed = parseCredential(text);
    if (parsed === undefined || !(await this.#consume(em, parsed.challenge, 'register', binding))) return 'invalid';
    const rp = this.#relyingParty();
    let info;
    try {
      const verified = await verifyRegistrationResponse({
        response: parsed.json as unknown as RegistrationResponseJSON,
        expectedChallenge: parsed.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: true,
      });
      if (!verified.verified) return 'invalid';
      info = verified.registrationInfo;
    } catch {
      // The library throws for every malformed or wrong response; what it says is not for the user.
      return 'invalid';
    }
    const now = this.#now();
    const row = {
      id: uuidv7(),
      userId: user.id,
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey),
      counter: info.credential.counter,
      transports: (info.credential.transports ?? []).join(' '),
      amr: info.credentialDeviceType === 'multiDevice' ? 'swk' : 'hwk',
      createdAt: now,
      lastUsedAt: null,
    };
    try {
      await em.insert(IdpPasskey, row);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return 'duplicate';
    }
    return row;
  }

  /**
   * Options for `navigator.credentials.get()`. Without `userId` (the passwordless login) no
   * credential is named and the authenticator offers its discoverable ones; with it, the user's.
   */
  async authenticationOptions(em: EntityManager, purpose: Exclude<CeremonyPurpose, 'register'>, binding: string, userId?: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const allow = userId === undefined ? undefined : (await this.list(em, userId)).map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports.split(' ').filter((item) => item !== '') }));
    const options = await generateAuthenticationOptions({
      rpID: this.#relyingParty().id,
      timeout: CEREMONY_SECONDS * 1000,
      userVerification: 'required',
      ...(allow === undefined ? {} : { allowCredentials: allow }),
    });
    await this.#issue(em, options.challenge, purpose, binding);
    return options;
  }

  /** The stored passkey a response claims to come from, or undefined (unknown credential, or not a response). */
  async claimed(em: EntityManager, text: string | null): Promise<IdpPasskey | undefined> {
    const parsed = parseCredential(text);
    return parsed === undefined ? undefined : (await em.fork().findOne(IdpPasskey, { credentialId: parsed.id })) ?? undefined;
  }

  /**
   * Checks an assertion of `passkey` against a live challenge of this purpose and binding, and
   * moves its counter: the use for exactly one valid submission, else undefined.
   */
  async authenticate(em: EntityManager, purpose: Exclude<CeremonyPurpose, 'register'>, binding: string, passkey: IdpPasskey, text: string | null): Promise<PasskeyUse | undefined> {
    const parsed = parseCredential(text);
    if (parsed?.id !== passkey.credentialId || !(await this.#consume(em, parsed.challenge, purpose, binding))) return undefined;
    const response = parsed.json as unknown as AuthenticationResponseJSON;
    // The user handle, when the authenticator returns one, must name the passkey's own user.
    if (response.response.userHandle !== undefined && response.response.userHandle !== Buffer.from(passkey.userId, 'utf8').toString('base64url')) return undefined;
    const rp = this.#relyingParty();
    let newCounter: number;
    try {
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: parsed.challenge,
        expectedOrigin: rp.origin,
        expectedRPID: rp.id,
        requireUserVerification: true,
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(passkey.publicKey),
          counter: passkey.counter,
        },
      });
      if (!verified.verified) return undefined;
      newCounter = verified.authenticationInfo.newCounter;
    } catch {
      // Wrong signature, origin or RP ID, no user verification, or a counter that went back.
      return undefined;
    }
    // A counter of zero means the authenticator keeps none (WebAuthn §6.1.1); any other must grow,
    // decided by the stored row at the moment of the write, not by what was read before.
    const moved = await em.nativeUpdate(
      IdpPasskey,
      newCounter === 0 ? { id: passkey.id, counter: 0 } : { id: passkey.id, counter: { $lt: newCounter } },
      { counter: newCounter, lastUsedAt: this.#now() },
    );
    return moved === 1 ? { passkey, amr: passkey.amr } : undefined;
  }

  /** Removes one of the user's passkeys; false when the user has no passkey of that id. */
  async remove(em: EntityManager, userId: string, id: string): Promise<boolean> {
    return await em.nativeDelete(IdpPasskey, { id, userId }) === 1;
  }
}
