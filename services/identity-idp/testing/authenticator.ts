/**
 * A software WebAuthn authenticator for tests: one ES256 credential (node:crypto), a signature
 * counter, and the flags a real one sets. It answers real ceremonies (packed `none` attestation,
 * assertions signed over authenticatorData ‖ SHA-256(clientDataJSON), WebAuthn §6.3.3), and can be
 * told to misbehave as a cloned or a careless authenticator would: no user verification, another
 * origin or RP ID, an old counter.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

/** How one answer differs from a faithful one. */
export interface Answering {
  readonly origin: string;
  readonly rpId: string;
  /** User verified (default true). */
  readonly uv?: boolean;
  /** The counter to report instead of the next one. */
  readonly counter?: number;
  /** The user handle to return; default the one registered. */
  readonly userHandle?: string;
  /** A packed self-attestation whose signature is wrong, instead of `none`. */
  readonly badAttestation?: boolean;
  /** An assertion signed over something else. */
  readonly badSignature?: boolean;
  /** A synced credential: backup eligible and backed up (flags BE, BS). */
  readonly synced?: boolean;
  /** The transports the browser reports at registration (default internal and hybrid; none: omitted). */
  readonly transports?: readonly string[];
}

const BE = 0x08;
const BS = 0x10;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16);
  readonly #key: KeyObject;
  readonly #cose: Uint8Array;
  #counter = 0;
  #userHandle: string | undefined;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#key = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    // RFC 9053 §7.1.1: EC2 key, P-256, ES256.
    this.#cose = isoCBOR.encode(new Map<number, number | Uint8Array>([
      [1, 2], [3, -7], [-1, 1],
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ]));
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  #authData(rpId: string, flags: number, counter: number, attested: Uint8Array = new Uint8Array()): Buffer {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), count, attested]);
  }

  static #clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), 'utf8');
  }

  /** `navigator.credentials.create()` for `options` (as the server made them), as JSON text. */
  register(options: { readonly challenge: string; readonly user: { readonly id: string } }, answering: Answering): string {
    this.#userHandle = options.user.id;
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, this.#cose]);
    const flags = UP | AT | (answering.uv === false ? 0 : UV) | (answering.synced === true ? BE | BS : 0);
    const authData = this.#authData(answering.rpId, flags, 0, attested);
    const transports = answering.transports ?? ['internal', 'hybrid'];
    const statement = answering.badAttestation === true
      ? ['packed', new Map<string, number | Uint8Array>([['alg', -7], ['sig', sign('sha256', Buffer.from('something else'), this.#key)]])] as const
      : ['none', new Map<string, number | Uint8Array>()] as const;
    const attestationObject = isoCBOR.encode(new Map<string, string | Uint8Array | Map<string, number | Uint8Array>>([['fmt', statement[0]], ['attStmt', statement[1]], ['authData', authData]]));
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(SoftwareAuthenticator.#clientData('webauthn.create', options.challenge, answering.origin)),
        attestationObject: b64url(attestationObject),
        ...(transports.length === 0 ? {} : { transports }),
      },
      clientExtensionResults: { credProps: { rk: true } },
    });
  }

  /** `navigator.credentials.get()` for `challenge`, as JSON text; the counter moves on first. */
  assert(challenge: string, answering: Answering): string {
    this.#counter += 1;
    const authData = this.#authData(answering.rpId, UP | (answering.uv === false ? 0 : UV), answering.counter ?? this.#counter);
    const clientData = SoftwareAuthenticator.#clientData('webauthn.get', challenge, answering.origin);
    const signature = sign('sha256', answering.badSignature === true ? clientData : Buffer.concat([authData, sha256(clientData)]), this.#key);
    const userHandle = answering.userHandle ?? this.#userHandle;
    return JSON.stringify({
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === undefined ? {} : { userHandle }),
      },
      clientExtensionResults: {},
    });
  }
}
