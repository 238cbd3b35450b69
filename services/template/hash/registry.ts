import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { HashError } from './errors.ts';
import { encodeHash, parseHash } from './format.ts';
import { deriveHkdf } from './hkdf.ts';
import type { GatePlace, GateState, HashGate } from './gate.ts';
import type { Pbkdf2Function } from './pbkdf2.ts';
import type { PepperRing } from './pepper.ts';
import { resolveRegistry } from './registries.ts';
import type { ParameterName, RegistrySpec } from './registries.ts';
import { resolveVersion } from './versions.ts';
import type { HashVersion, VersionRow } from './versions.ts';

type Parameters = Record<ParameterName, number>;

/** Everything a registry needs besides its spec; built once by `createHashService`. */
export interface RegistryOptions {
  readonly spec: RegistrySpec;
  readonly latestVersion: HashVersion;
  readonly iterations: Readonly<Record<HashVersion, number>>;
  readonly peppers: PepperRing;
  /** Shared by every registry of the service: the PBKDF2 calls of all four queue in one line. */
  readonly gate: HashGate;
  readonly pbkdf2: Pbkdf2Function;
}

/**
 * A place in the hash gate taken ahead of the hashes it will run (HashRegistry.admit): the caller
 * learns of an overload before it has done anything it would have to undo.
 */
export type HashAdmission = GatePlace;

interface StoredHash {
  readonly row: VersionRow;
  readonly parameters: Parameters;
  readonly salt: Buffer;
  readonly digest: Buffer;
}

/** What a derivation needs besides its inputs: the HKDF info, and the gate and function for PBKDF2. */
interface DeriveContext {
  readonly info: Buffer;
  readonly pbkdf2: Pbkdf2Function;
  readonly gated: (work: () => Promise<Buffer>) => Promise<Buffer>;
}

type Derive = (input: Buffer, salt: Buffer, row: VersionRow, parameters: Parameters, context: DeriveContext) => Promise<Buffer>;

// Only PBKDF2 goes through the gate: HKDF is one HMAC pass and never holds a core for long.
const KDFS: Readonly<Record<RegistrySpec['kdf'], Derive>> = Object.assign(Object.create(null) as object, {
  pbkdf2: (input: Buffer, salt: Buffer, row: VersionRow, parameters: Parameters, context: DeriveContext) =>
    context.gated(() => context.pbkdf2(input, salt, parameters.i, row.hash, row.digestBytes)),
  hkdf: (input: Buffer, salt: Buffer, row: VersionRow, _parameters: Parameters, context: DeriveContext) =>
    deriveHkdf(input, salt, context.info, row.hash, row.digestBytes),
});

const NO_SALT = Buffer.alloc(0);

/** One registry: hashes with its latest version, verifies every version it ever produced. */
export class HashRegistry {
  readonly latestVersion: HashVersion;
  readonly #spec: RegistrySpec;
  readonly #iterations: Readonly<Record<HashVersion, number>>;
  readonly #peppers: PepperRing;
  readonly #gate: HashGate;
  readonly #pbkdf2: Pbkdf2Function;

  constructor(options: RegistryOptions) {
    this.latestVersion = options.latestVersion;
    this.#spec = options.spec;
    this.#iterations = options.iterations;
    this.#peppers = options.peppers;
    this.#gate = options.gate;
    this.#pbkdf2 = options.pbkdf2;
  }

  /** What the gate holds now; every registry of one hash service shares its gate. */
  get gateState(): GateState {
    return this.#gate.state;
  }

  /**
   * Takes a place in the gate for hashes still to come, or throws HashError ERR_HASH_OVERLOADED
   * (503) when the queue is full. The caller passes it to each hash and calls `leave()` at the end.
   */
  admit(): HashAdmission {
    const place = this.#gate.enter();
    if (place === undefined) throw new HashError('ERR_HASH_OVERLOADED');
    return place;
  }

  /** Hashes with the latest version and today's parameters: what every new hash should use. */
  hashWithLatest(input: string, admission?: HashAdmission): Promise<string> {
    return this.hashWithVersion(input, this.latestVersion, admission);
  }

  /** Hashes with a chosen version, for migrations and known-answer tests. */
  async hashWithVersion(input: string, version: number, admission?: HashAdmission): Promise<string> {
    const row = resolveVersion(version);
    const bytes = Buffer.from(input, 'utf8');
    if (bytes.length < this.#spec.minInputBytes) throw new HashError('ERR_HASH_INPUT_TOO_SHORT');
    const parameters = this.#currentParameters(row);
    const salt = this.#spec.peppered ? NO_SALT : randomBytes(this.#spec.saltBytes);
    const digest = await this.#derive(bytes, salt, row, parameters, admission);
    return encodeHash({
      registry: this.#spec.id,
      version: row.version,
      algorithm: algorithmOf(this.#spec, row),
      parameters: this.#spec.parameters.map((name) => [name, parameters[name]] as const),
      salt,
      digest,
    });
  }

  /**
   * True only when `input` produced `hashed`, compared in constant time. A malformed string or one
   * from another registry throws a HashError; an input too short to be hashed is simply false.
   */
  async verify(input: string, hashed: string, admission?: HashAdmission): Promise<boolean> {
    const stored = this.#parse(hashed);
    const digest = await this.#derive(Buffer.from(input, 'utf8'), stored.salt, stored.row, stored.parameters, admission);
    return timingSafeEqual(digest, stored.digest);
  }

  /** True when a hash that just verified should be replaced: older version, parameters or pepper. */
  needsRehash(hashed: string): Promise<boolean> {
    return Promise.resolve().then(() => {
      const stored = this.#parse(hashed);
      const current = this.#currentParameters(stored.row);
      return stored.row.version !== this.latestVersion || this.#spec.parameters.some((name) => stored.parameters[name] !== current[name]);
    });
  }

  #currentParameters(row: VersionRow): Parameters {
    return { i: this.#iterations[row.version], p: this.#peppers.currentVersion };
  }

  #derive(input: Buffer, storedSalt: Buffer, row: VersionRow, parameters: Parameters, admission: HashAdmission | undefined): Promise<Buffer> {
    const salt = this.#spec.peppered ? this.#pepperSalt(row, parameters.p) : storedSalt;
    const gated = admission === undefined ? (work: () => Promise<Buffer>) => this.#once(work) : (work: () => Promise<Buffer>) => admission.run(work);
    return KDFS[this.#spec.kdf](input, salt, row, parameters, { info: Buffer.from(`cryptoutil/hash/${this.#spec.id}`), pbkdf2: this.#pbkdf2, gated });
  }

  /** One hash without an admission: a place for just this hash, refused like `admit` when full. */
  async #once(work: () => Promise<Buffer>): Promise<Buffer> {
    const place = this.admit();
    try {
      return await place.run(work);
    } finally {
      place.leave();
    }
  }

  // NIST SP 800-108-style derivation: HMAC keyed by the pepper over a label that names the
  // registry and version, so no two registries or versions share a salt.
  #pepperSalt(row: VersionRow, pepperVersion: number): Buffer {
    return createHmac(row.hash, this.#peppers.secret(pepperVersion))
      .update(`cryptoutil/hash/${this.#spec.id}/v${String(row.version)}`)
      .digest();
  }

  #parse(hashed: string): StoredHash {
    const fields = parseHash(hashed);
    if (resolveRegistry(fields.registry) !== this.#spec) throw new HashError('ERR_HASH_WRONG_REGISTRY');
    const row = resolveVersion(fields.version);
    const names = fields.parameters.map(([name]) => name).join(',');
    const malformed =
      fields.algorithm !== algorithmOf(this.#spec, row) ||
      names !== this.#spec.parameters.join(',') ||
      fields.salt.length !== this.#spec.saltBytes ||
      fields.digest.length !== row.digestBytes;
    if (malformed) throw new HashError('ERR_HASH_MALFORMED', `not a ${this.#spec.id} v${String(row.version)} hash`);
    const parameters: Parameters = { i: 0, p: 0 };
    for (const [name, value] of fields.parameters) parameters[name as ParameterName] = value;
    return { row, parameters, salt: fields.salt, digest: fields.digest };
  }
}

function algorithmOf(spec: RegistrySpec, row: VersionRow): string {
  return `${spec.kdf}-${row.hash}`;
}
