/**
 * Resource servers (RFC 8707): the built-in ones, one per service of the suite with the scopes its
 * OpenAPI document declares (resources.ts), and the ones declared through the API, each an
 * identifier (the audience of its tokens) and its scopes. The catalogue every token and client
 * check reads is the two together. Declared rows are read at most once a second per process and
 * again at once after a write here, so another replica sees a change within a second.
 */
import { raw, type EntityManager } from '@mikro-orm/core';
import { ValidationError, type FieldError } from '../template/errors/index.ts';
import { ResourceServer } from './entities.ts';
import type { ResourceCatalog } from './resources.ts';

/** The prefix of the built-in resources' identifiers, which no declared one may take. */
export const BUILT_IN_PREFIX = 'urn:cryptoutil:';

/** How long a read of the declared rows serves token and client checks. */
export const DECLARED_MAX_AGE_MS = 1_000;

/** A resource server's settings as the API takes them (after OpenAPI validation and defaults). */
export interface ResourceServerInput {
  readonly name: string;
  readonly identifier: string;
  readonly description: string;
  readonly scopes: readonly string[];
  readonly managedBy?: string | null;
}

/** A resource server as the API shows it. */
export interface ResourceServerView {
  readonly name: string;
  readonly identifier: string;
  readonly description: string;
  readonly scopes: readonly string[];
  readonly managedBy: string | null;
  readonly builtIn: boolean;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** The built-in resource servers, named after their service, by name. */
export function builtInServers(builtIns: ResourceCatalog): ResourceServerView[] {
  return [...builtIns].map(([identifier, scopes]) => {
    const name = identifier.slice(BUILT_IN_PREFIX.length);
    return { name, identifier, description: `Built-in: ${name}`, scopes: [...scopes], managedBy: null, builtIn: true };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

export function presentResourceServer(row: ResourceServer): ResourceServerView {
  return {
    name: row.name, identifier: row.identifier, description: row.description, scopes: [...row.scopes], managedBy: row.managedBy ?? null, builtIn: false,
    createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * The rules OpenAPI cannot express. `others` are the other resource servers (built-in and
 * declared): a scope belongs to one resource server, so that a request naming only scopes, and a
 * group granting a scope, mean one resource.
 */
export function checkResourceServerInput(input: ResourceServerInput, others: ResourceCatalog): void {
  const errors: FieldError[] = [];
  // URN schemes and namespace ids compare without regard to case (RFC 8141 §3.1).
  if (input.identifier.toLowerCase().startsWith(BUILT_IN_PREFIX)) {
    errors.push({ pointer: '/body/identifier', message: `identifiers starting with ${BUILT_IN_PREFIX} belong to the built-in resource servers` });
  }
  const owners = new Map([...others].flatMap(([identifier, scopes]) => scopes.map((scope): [string, string] => [scope, identifier])));
  input.scopes.forEach((scope, index) => {
    const owner = owners.get(scope);
    if (owner !== undefined) errors.push({ pointer: `/body/scopes/${String(index)}`, message: `${scope} is a scope of ${owner} already; a scope belongs to one resource server` });
  });
  if (errors.length > 0) throw new ValidationError(errors);
}

/** The stored fields of an input: scopes sorted, no duplicates (OpenAPI refuses those already). */
export function resourceServerFields(input: ResourceServerInput): Pick<ResourceServer, 'identifier' | 'description' | 'scopes' | 'managedBy'> {
  return { identifier: input.identifier, description: input.description, scopes: [...input.scopes].sort(), managedBy: input.managedBy ?? null };
}

/**
 * The catalogue of built-in and declared resource servers. `now` is the clock the cache ages by.
 */
export class ResourceServers {
  readonly #builtIns: () => Promise<ResourceCatalog>;
  readonly #fork: () => EntityManager;
  readonly #now: () => number;
  #declared: { readonly read: Promise<ResourceCatalog>; readonly at: number } | undefined;

  constructor(options: { readonly builtIns: () => Promise<ResourceCatalog>; readonly fork: () => EntityManager; readonly now?: () => number }) {
    this.#builtIns = options.builtIns;
    this.#fork = options.fork;
    this.#now = options.now ?? Date.now;
  }

  builtIns(): Promise<ResourceCatalog> {
    return this.#builtIns();
  }

  /** Every resource server but `identifier`, read from the database now (for a write's checks). */
  async othersThan(em: EntityManager, identifier: string): Promise<ResourceCatalog> {
    // Read past the identity map: a row another request has just committed must not become managed
    // here, where a create of the same name would then update it instead of failing on the key.
    const [builtIns, rows] = await Promise.all([this.#builtIns(), em.find(ResourceServer, { identifier: { $ne: identifier } }, { disableIdentityMap: true })]);
    return new Map([...builtIns, ...rows.map((row): [string, readonly string[]] => [row.identifier, row.scopes])]);
  }

  /**
   * Holds, until `tx` ends, the declared resource servers that `resourceScopes` gives scopes for: a
   * write to each row that changes nothing. A delete writes the row first too
   * (`deleteResourceServer`), so of a client write and a delete of a resource it names, one waits
   * for the other: the delete then sees the client and refuses, or the client write finds the
   * resource gone and is refused (400 naming it). Without it both could pass, and a resource server
   * later declared with the same identifier would grant its scopes to that client at once.
   */
  async hold(tx: EntityManager, resourceScopes: Readonly<Record<string, readonly string[]>>): Promise<void> {
    const builtIns = await this.#builtIns();
    const declared = Object.entries(resourceScopes).filter(([identifier, scopes]) => scopes.length > 0 && !builtIns.has(identifier)).map(([identifier]) => identifier);
    if (declared.length === 0) return;
    const held = await tx.nativeUpdate(ResourceServer, { identifier: { $in: declared } }, { identifier: raw('identifier') });
    if (held === declared.length) return;
    const present = new Set((await tx.find(ResourceServer, { identifier: { $in: declared } }, { disableIdentityMap: true })).map((row) => row.identifier));
    const gone = declared.filter((identifier) => !present.has(identifier));
    this.changed();
    throw new ValidationError(gone.map((identifier) => ({ pointer: `/body/resourceScopes/${identifier}`, message: 'unknown resource: it was deleted meanwhile' })));
  }

  /** Built-in and declared: resource identifier → its scopes. */
  async catalog(): Promise<ResourceCatalog> {
    const [builtIns, declared] = await Promise.all([this.#builtIns(), this.#readDeclared()]);
    return new Map([...builtIns, ...declared]);
  }

  /** A write here: the next look-up reads the rows again. */
  changed(): void {
    this.#declared = undefined;
  }

  #readDeclared(): Promise<ResourceCatalog> {
    const now = this.#now();
    if (this.#declared === undefined || now - this.#declared.at >= DECLARED_MAX_AGE_MS) {
      const read = this.#fork().find(ResourceServer, {}).then((rows) => new Map(rows.map((row): [string, readonly string[]] => [row.identifier, row.scopes])));
      // A failed read is not kept: the next look-up tries again.
      read.catch(() => { if (this.#declared?.read === read) this.#declared = undefined; });
      this.#declared = { read, at: now };
    }
    return this.#declared.read;
  }
}
