/**
 * The realm content plan as a pure function (docs/decisions/0006-realm-content.md): what the
 * IdentityRealm's `spec.clients` asks for, against what identity-authz holds and what the client
 * Secrets remember, becomes a list of operations for sync.ts to apply.
 *
 * A client the operator manages carries a marker in its display name, `<name> (managed by
 * IdentityRealm <realm>)`; every other client of identity-authz is left alone. A Secret
 * `<realm>-client-<name>` remembers the digest of the settings last applied and the `rotateSecret`
 * value last acted on: settings that differ from the spec while the spec still has the applied
 * digest were changed through the API (drift, reverted); settings that differ with a new digest
 * follow a change of the CR.
 */
import { createHash } from 'node:crypto';
import type { RealmClient } from '../api/kinds.ts';

/** The body identity-authz's `createClient` and `updateClient` take, as the operator sends it. */
export interface ClientBody {
  readonly clientId: string;
  readonly name: string;
  readonly tokenEndpointAuthMethod: 'client_secret_basic';
  readonly grantTypes: readonly string[];
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly openidScopes: readonly string[];
  readonly resourceScopes: Readonly<Record<string, readonly string[]>>;
  readonly accessTokenTtlSeconds: number;
  /** identity-authz's per-client second-factor policy. */
  readonly mfa: 'required' | 'optional';
}

/** A client as identity-authz's API shows it, as far as the plan compares it: any auth method. */
export type ActualClient = Omit<ClientBody, 'tokenEndpointAuthMethod'> & { readonly tokenEndpointAuthMethod: string };

/** What a client's Secret remembers (its annotations); absent when the Secret does not exist. */
export interface SecretMemory {
  /** Digest of the settings last applied (`bodyDigest`). */
  readonly applied?: string;
  /** The `rotateSecret` value the current secret was made for. */
  readonly rotateSecret?: string;
}

/** What a Secret is made to remember after an operation. */
export interface Remembered extends SecretMemory {
  readonly applied: string;
}

export type ClientOp =
  /** `recreated`: a managed client whose Secret remains was deleted through the API (drift). */
  | { readonly op: 'create'; readonly clientId: string; readonly body: ClientBody; readonly memory: Remembered; readonly recreated: boolean }
  | { readonly op: 'update'; readonly clientId: string; readonly body: ClientBody; readonly cause: 'spec' | 'drift'; readonly fields: readonly string[] }
  | { readonly op: 'rotate'; readonly clientId: string; readonly reason: 'rotateSecret' | 'secretMissing'; readonly memory: Remembered }
  | { readonly op: 'remember'; readonly clientId: string; readonly memory: Remembered }
  | { readonly op: 'delete'; readonly clientId: string };

export interface ContentPlan {
  readonly ops: readonly ClientOp[];
  /** Declared managed clients whose id an unmarked client already holds: never taken over. */
  readonly conflicts: readonly string[];
  /** Declared clients the operator manages (unmanaged and conflicting ones not counted). */
  readonly managed: number;
}

export interface PlanInput {
  readonly realm: string;
  readonly clients: readonly RealmClient[];
  /** `spec.accessTokenTtlSeconds`: a client's lifetime when it sets none. */
  readonly defaultAccessTokenTtlSeconds: number;
  readonly actual: readonly ActualClient[];
  /** By client id. */
  readonly secrets: ReadonlyMap<string, SecretMemory>;
}

/** The display name that marks a client as managed by `realm`. */
export function managedName(realm: string, clientId: string): string {
  return `${clientId} (managed by IdentityRealm ${realm})`;
}

function sorted(values: readonly string[] | undefined): string[] {
  return [...values ?? []].sort();
}

function sortedScopes(scopes: Readonly<Record<string, readonly string[]>> | undefined): Record<string, string[]> {
  return Object.fromEntries(Object.entries(scopes ?? {}).sort(([left], [right]) => left.localeCompare(right)).map(([resource, names]) => [resource, sorted(names)]));
}

/** The settings a declared client gets; an unmanaged one is named plainly, as a person would. */
export function desiredBody(realm: string, client: RealmClient, defaultAccessTokenTtlSeconds: number): ClientBody {
  return {
    clientId: client.name,
    name: client.unmanaged === true ? client.name : managedName(realm, client.name),
    tokenEndpointAuthMethod: 'client_secret_basic',
    grantTypes: sorted(client.grantTypes),
    redirectUris: [...client.redirectUris ?? []],
    postLogoutRedirectUris: [],
    openidScopes: sorted(client.openidScopes),
    resourceScopes: sortedScopes(client.scopes),
    accessTokenTtlSeconds: client.accessTokenTtlSeconds ?? defaultAccessTokenTtlSeconds,
    mfa: client.mfa ?? 'optional',
  };
}

/** A digest of the settings, independent of key and list order where order means nothing. */
export function bodyDigest(body: ClientBody): string {
  const canonical = [body.clientId, body.name, body.tokenEndpointAuthMethod, sorted(body.grantTypes), body.redirectUris, body.postLogoutRedirectUris, sorted(body.openidScopes), sortedScopes(body.resourceScopes), body.accessTokenTtlSeconds, body.mfa];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url').slice(0, 43);
}

/** The settings of `actual` that differ from `body`, by field name. */
export function differences(body: ClientBody, actual: ActualClient): string[] {
  const compared: readonly [string, unknown, unknown][] = [
    ['name', body.name, actual.name],
    ['tokenEndpointAuthMethod', body.tokenEndpointAuthMethod, actual.tokenEndpointAuthMethod],
    ['grantTypes', sorted(body.grantTypes), sorted(actual.grantTypes)],
    ['redirectUris', body.redirectUris, actual.redirectUris],
    ['postLogoutRedirectUris', body.postLogoutRedirectUris, actual.postLogoutRedirectUris],
    ['openidScopes', sorted(body.openidScopes), sorted(actual.openidScopes)],
    ['resourceScopes', sortedScopes(body.resourceScopes), sortedScopes(actual.resourceScopes)],
    ['accessTokenTtlSeconds', body.accessTokenTtlSeconds, actual.accessTokenTtlSeconds],
    ['mfa', body.mfa, actual.mfa],
  ];
  return compared.filter(([, wanted, found]) => JSON.stringify(wanted) !== JSON.stringify(found)).map(([field]) => field);
}

function memoryOf(client: RealmClient, body: ClientBody): Remembered {
  return { applied: bodyDigest(body), ...(client.rotateSecret === undefined ? {} : { rotateSecret: client.rotateSecret }) };
}

/** The operations of one declared client the operator manages, or a conflict. */
function planManaged(input: PlanInput, client: RealmClient, actual: ActualClient | undefined): ClientOp[] | 'conflict' {
  const body = desiredBody(input.realm, client, input.defaultAccessTokenTtlSeconds);
  const memory = memoryOf(client, body);
  const secret = input.secrets.get(client.name);
  if (actual === undefined) return [{ op: 'create', clientId: client.name, body, memory, recreated: secret !== undefined }];
  if (actual.name !== body.name) return 'conflict';
  const ops: ClientOp[] = [];
  const fields = differences(body, actual);
  if (fields.length > 0) ops.push({ op: 'update', clientId: client.name, body, cause: secret?.applied === memory.applied ? 'drift' : 'spec', fields });
  if (secret === undefined) {
    ops.push({ op: 'rotate', clientId: client.name, reason: 'secretMissing', memory });
  } else if (secret.rotateSecret !== client.rotateSecret) {
    ops.push({ op: 'rotate', clientId: client.name, reason: 'rotateSecret', memory });
  } else if (secret.applied !== memory.applied) {
    ops.push({ op: 'remember', clientId: client.name, memory });
  }
  return ops;
}

/** Everything to do so that identity-authz holds the declared clients and no other managed one. */
export function planClients(input: PlanInput): ContentPlan {
  const actualById = new Map(input.actual.map((client) => [client.clientId, client]));
  const ops: ClientOp[] = [];
  const conflicts: string[] = [];
  let managed = 0;
  for (const client of input.clients) {
    const actual = actualById.get(client.name);
    if (client.unmanaged === true) {
      // Created once for the user; from then on it is theirs.
      if (actual === undefined) {
        const body = desiredBody(input.realm, client, input.defaultAccessTokenTtlSeconds);
        ops.push({ op: 'create', clientId: client.name, body, memory: memoryOf(client, body), recreated: false });
      }
      continue;
    }
    const planned = planManaged(input, client, actual);
    if (planned === 'conflict') {
      conflicts.push(client.name);
      continue;
    }
    managed += 1;
    ops.push(...planned);
  }
  const declared = new Set(input.clients.map((client) => client.name));
  for (const actual of input.actual) {
    if (!declared.has(actual.clientId) && actual.name === managedName(input.realm, actual.clientId)) ops.push({ op: 'delete', clientId: actual.clientId });
  }
  return { ops, conflicts, managed };
}
