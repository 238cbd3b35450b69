/**
 * identity-rp's client in a realm's identity-authz. Its secret is the Secret `<realm>-rp-client`,
 * generated once (like the operator's own client, operator-client.ts) and mounted by identity-rp
 * (`rp.clientSecret` is a `file://` reference to it). identity-authz registers the client from
 * `authz.signInClients`, whose entries are objects: the configuration loader resolves `file://`
 * only in plain values and lists of them, so the entry with its secret written out is a second
 * configuration file, the Secret `<realm>-sign-in-clients`, which identity-authz mounts and loads
 * after its ConfigMap. The operator rewrites that Secret when the entry changes.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import type { KindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import { ownedSecret } from '../resources/ownership.ts';

/** Client id of identity-rp in every realm. */
export const RP_CLIENT_ID = 'identity-rp';
/** Key of the secret in `<realm>-rp-client`, and its file name under identity-rp's mount. */
export const RP_CLIENT_KEY = 'clientSecret';
/** Where identity-rp mounts `<realm>-rp-client`. */
export const RP_CLIENT_MOUNT = '/etc/cryptoutil/rp-client';
/** Where identity-authz mounts `<realm>-sign-in-clients`, and the file in it. */
export const SIGN_IN_CLIENTS_MOUNT = '/etc/cryptoutil/sign-in-clients';
export const SIGN_IN_CLIENTS_FILE = 'sign-in-clients.yml';

/** One `authz.signInClients` entry without its secret. */
export interface SignInClientEntry {
  readonly id: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly backchannelLogoutUri: string;
  readonly openidScopes: readonly string[];
  readonly resourceScopes: Readonly<Record<string, readonly string[]>>;
}

/** `<realm>-rp-client`. */
export function rpClientSecretName(resource: ServiceResource): string {
  return `${resource.metadata.name}-rp-client`;
}

/** `<realm>-sign-in-clients`. */
export function signInClientsSecretName(resource: ServiceResource): string {
  return `${resource.metadata.name}-sign-in-clients`;
}

/** identity-rp's `rp.clientSecret`: the mounted secret. */
export function rpClientSecretReference(): string {
  return `file://${RP_CLIENT_MOUNT}/${RP_CLIENT_KEY}`;
}

/** The Secret holding identity-rp's client secret, owned by the realm, written once. */
export function rpClientSecret(resource: ServiceResource, row: KindRow, secret: string): KubeObject {
  return ownedSecret(resource, row, 'rp-client', rpClientSecretName(resource), { [RP_CLIENT_KEY]: secret });
}

/** The second configuration file of identity-authz: its sign-in clients with their secrets (none: an empty list). */
export function signInClientsFile(entries: readonly SignInClientEntry[], secret: string | undefined): string {
  const clients = secret === undefined ? [] : entries.map((entry) => ({ ...entry, secret }));
  return stringify({ authz: { signInClients: clients } });
}

/** The Secret identity-authz loads as its second configuration file, owned by the realm. */
export function signInClientsSecret(resource: ServiceResource, row: KindRow, file: string): KubeObject {
  return ownedSecret(resource, row, 'sign-in-clients', signInClientsSecretName(resource), { [SIGN_IN_CLIENTS_FILE]: file });
}

/** A digest of the entries without secret, on identity-authz's pod template: a changed entry rolls the pods. */
export function signInClientsDigest(entries: readonly SignInClientEntry[]): string {
  return createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
}
