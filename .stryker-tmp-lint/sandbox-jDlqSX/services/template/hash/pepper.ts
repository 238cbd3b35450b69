// @ts-nocheck
import { HashError } from './errors.ts';
import { MAX_PARAMETER } from './versions.ts';

/** One pepper of a rotation: hashes name it by `version`; exactly one is `current`. */
export interface VersionedPepper {
  readonly version: number;
  readonly secret: string;
  readonly current?: boolean;
}

/** A single secret (config `hash.pepper`, pepper version 1) or the versioned list of a rotation. */
export type PepperOption = string | readonly VersionedPepper[];

/** NIST SP 800-132 §5.1 asks for at least 128 bits of salt; a pepper-derived salt needs that much secret. */
export const MIN_PEPPER_BYTES = 16;

/** The configured peppers by version; secrets stay in `#fields` and never reach a message. */
export class PepperRing {
  readonly currentVersion: number;
  readonly #secrets: ReadonlyMap<number, Buffer>;

  constructor(option: PepperOption) {
    const peppers = typeof option === 'string' ? [{ version: 1, secret: option, current: true }] : option;
    const secrets = new Map<number, Buffer>();
    const current: number[] = [];
    for (const pepper of peppers) {
      if (!Number.isSafeInteger(pepper.version) || pepper.version < 1 || pepper.version > MAX_PARAMETER) {
        throw new HashError('ERR_HASH_PEPPER_INVALID', 'a version is not a positive integer');
      }
      if (secrets.has(pepper.version)) throw new HashError('ERR_HASH_PEPPER_INVALID', `version ${String(pepper.version)} is repeated`);
      const secret = Buffer.from(pepper.secret, 'utf8');
      if (secret.length < MIN_PEPPER_BYTES) {
        throw new HashError('ERR_HASH_PEPPER_INVALID', `version ${String(pepper.version)} is shorter than ${String(MIN_PEPPER_BYTES)} bytes`);
      }
      secrets.set(pepper.version, secret);
      if (pepper.current === true) current.push(pepper.version);
    }
    const [only] = current;
    if (only === undefined || current.length > 1) throw new HashError('ERR_HASH_PEPPER_INVALID', 'exactly one pepper must be current');
    this.currentVersion = only;
    this.#secrets = secrets;
  }

  /** The secret of a version named by a stored hash; a version no longer configured cannot verify. */
  secret(version: number): Buffer {
    const secret = this.#secrets.get(version);
    if (secret === undefined) throw new HashError('ERR_HASH_UNKNOWN_PEPPER', `pepper v${String(version)}`);
    return secret;
  }
}
