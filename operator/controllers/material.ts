/**
 * Children that hold generated secrets: created when absent and then never rewritten, so a reconcile
 * cannot rotate a password or lose unseal shares by accident. The one planned rewrite is the renewal
 * of a server certificate the operator issued, guarded by the resourceVersion it read.
 */
import { X509Certificate } from 'node:crypto';
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { BarrierStatus, KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
import { FIELD_MANAGER, secretData } from '../resources/ownership.ts';
import { childNames, managesDatabase } from '../children/names.ts';
import { databaseSecret } from '../children/postgres.ts';
import { issuesCertificate, serverNames, tlsSecret } from '../children/tls.ts';
import { KEY_CHECK_KEY, SHARE_KEY, shareSecret, shareSecretName, unsealSplit } from '../children/unseal.ts';
import { caState, createBootstrapCa, issueServerCertificate, renewalDue } from '../material/bootstrap-ca.ts';
import type { CaPem } from '../material/bootstrap-ca.ts';
import type { TlsMaterial } from '../children/tls.ts';
import { generatePassword } from '../material/generated.ts';
import { pepperSecret } from '../children/pepper.ts';
import { operatorClientSecret, operatorClientSecretName } from '../children/operator-client.ts';
import { RP_CLIENT_KEY, SIGN_IN_CLIENTS_FILE, rpClientSecret, rpClientSecretName, signInClientsFile, signInClientsSecret, signInClientsSecretName } from '../children/rp-client.ts';
import { realmSignInClients } from '../children/realm.ts';
import { keyCheckOfShares, newUnsealKey } from '../../services/template/barrier/shares.ts';
import { mayMount, ownedBy } from '../guards/index.ts';
import { ReconcileProblem } from './problem.ts';

/** The per-namespace Secret that holds the bootstrap CA. */
export const BOOTSTRAP_CA_SECRET = 'cryptoutil-bootstrap-ca';

/** What material creation needs besides the API: a clock and a way to tell users what happened. */
export interface MaterialContext {
  readonly api: KubeApi;
  readonly now: () => Date;
  /** Records an Event about the resource; `Normal` unless a type is given. */
  readonly announce: (reason: string, note: string, type?: 'Normal' | 'Warning') => Promise<void>;
}

function secretRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'Secret', namespace, name };
}

function decoded(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/** A Secret the pods would mount must be mountable by this resource (guards/secrets.ts), or nothing is deployed. */
function admitMount(secret: KubeObject, resource: ServiceResource): void {
  if (!mayMount(secret, resource)) {
    throw new ReconcileProblem('SecretNotAllowed', `Secret ${secret.metadata.name} is neither labelled cryptoutil.io/allow-mount: "true" nor created by the operator for this resource; it is not mounted`);
  }
}

async function bootstrapCa(context: MaterialContext, namespace: string): Promise<CaPem> {
  const ref = secretRef(namespace, BOOTSTRAP_CA_SECRET);
  const existing = await context.api.get(ref);
  const cert = existing === undefined ? undefined : decoded(existing, 'tls.crt');
  const key = existing === undefined ? undefined : decoded(existing, 'tls.key');
  if (cert !== undefined && key !== undefined) {
    return { cert, key };
  }
  if (existing !== undefined) {
    throw new ReconcileProblem('BootstrapCaUnusable', `Secret ${BOOTSTRAP_CA_SECRET} lacks tls.crt or tls.key; delete it to create a new CA`);
  }
  const ca = await createBootstrapCa(context.now());
  const created = await context.api.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: BOOTSTRAP_CA_SECRET, namespace, labels: { 'app.kubernetes.io/part-of': 'cryptoutil', 'app.kubernetes.io/managed-by': FIELD_MANAGER } },
    type: 'kubernetes.io/tls',
    data: secretData({ 'tls.crt': ca.cert, 'tls.key': ca.key }),
  });
  // Another reconcile in the same namespace won the race: use its CA.
  return created ? ca : bootstrapCa(context, namespace);
}

/** What material creation found: the barrier to record in status, and what must be restored by hand. */
export interface Material {
  /** Undefined for kinds without an unseal Secret. */
  readonly barrier?: BarrierStatus;
  /** Secrets that once existed and are gone; never regenerated, the rest is still reconciled. */
  readonly missing: readonly ReconcileProblem[];
}

/** The claim the StatefulSet controller made for the operator's PostgreSQL: its data outlives the Secret. */
async function databaseVolumeExists(context: MaterialContext, resource: ServiceResource): Promise<boolean> {
  const name = `data-${childNames(resource).postgres}-0`;
  return (await context.api.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: resource.metadata.namespace, name })) !== undefined;
}

async function ensureDatabaseSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<ReconcileProblem | undefined> {
  const name = childNames(resource).databaseSecret;
  const existing = await context.api.get(secretRef(resource.metadata.namespace, name));
  if (existing !== undefined) {
    admitMount(existing, resource);
    return undefined;
  }
  if (!managesDatabase(resource)) {
    throw new ReconcileProblem('DatabaseSecretMissing', `spec.database.external.secretRef names Secret ${name}, which does not exist`);
  }
  // New credentials could not open the data PostgreSQL already initialized with the old password.
  if (await databaseVolumeExists(context, resource)) {
    return new ReconcileProblem('DatabaseCredentialsMissing', `Secret ${name} is gone but the database volume remains; new credentials would not open it, so none are generated: restore the Secret from a backup (docs/operator.md "Restoring a deleted Secret")`);
  }
  await context.api.create(databaseSecret(resource, row, generatePassword()));
  return undefined;
}

const RESTORE_HINT = 'restore it from a backup (docs/operator.md "Restoring a deleted Secret")';

/**
 * The hash pepper, generated once. Gone while the database remains, it is not replaced: the hashes
 * stored under it would no longer verify.
 */
async function ensurePepperSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<ReconcileProblem | undefined> {
  if (row.children.pepper !== true) return undefined;
  const name = childNames(resource).pepper;
  const existing = await context.api.get(secretRef(resource.metadata.namespace, name));
  if (existing !== undefined) {
    admitMount(existing, resource);
    return undefined;
  }
  if (await databaseVolumeExists(context, resource)) {
    return new ReconcileProblem('PepperMissing', `Secret ${name} is gone but the database volume remains; a new pepper would not verify the stored hashes, so none is generated: ${RESTORE_HINT}`);
  }
  await context.api.create(pepperSecret(resource, row, generatePassword()));
  return undefined;
}

/** The operator's client secret in identity-authz, generated once (children/operator-client.ts). */
async function ensureOperatorClientSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  if (row.children.operatorClient !== true) return;
  const existing = await context.api.get(secretRef(resource.metadata.namespace, operatorClientSecretName(resource)));
  if (existing !== undefined) {
    admitMount(existing, resource);
    return;
  }
  await context.api.create(operatorClientSecret(resource, row, generatePassword()));
}

/** identity-rp's client secret, generated once (a new one only needs identity-authz and identity-rp restarted). */
async function rpClientSecretValue(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<string> {
  const name = rpClientSecretName(resource);
  const existing = await context.api.get(secretRef(resource.metadata.namespace, name));
  if (existing === undefined) {
    const secret = generatePassword();
    if (await context.api.create(rpClientSecret(resource, row, secret))) return secret;
    // Another reconcile created it first: the next reconcile reads the one it wrote.
    throw new ReconcileProblem('RpClientSecretUnreadable', `Secret ${name} was created concurrently; it is read at the next reconcile`);
  }
  admitMount(existing, resource);
  const secret = decoded(existing, RP_CLIENT_KEY);
  if (secret === undefined) throw new ReconcileProblem('RpClientSecretUnreadable', `Secret ${name} has no "${RP_CLIENT_KEY}"; delete it to have a new one generated`);
  return secret;
}

/**
 * identity-authz's second configuration file (children/rp-client.ts): identity-rp's client with
 * its secret when the realm runs identity-rp, else an empty list; rewritten when it changes.
 */
async function ensureSignInClientsSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  if (row.children.signInClients !== true) return;
  const entries = realmSignInClients(resource);
  const file = signInClientsFile(entries, entries.length === 0 ? undefined : await rpClientSecretValue(context, resource, row));
  const desired = signInClientsSecret(resource, row, file);
  const existing = await context.api.get(secretRef(resource.metadata.namespace, signInClientsSecretName(resource)));
  if (existing === undefined) {
    await context.api.create(desired);
    return;
  }
  admitMount(existing, resource);
  if (decoded(existing, SIGN_IN_CLIENTS_FILE) !== file) await context.api.update({ ...existing, data: desired.data });
}

/** identity-rp mounts the client secret identity-authz's step generated. */
async function admitRpClientSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  if (row.children.rpClient !== true) return;
  const existing = await context.api.get(secretRef(resource.metadata.namespace, rpClientSecretName(resource)));
  if (existing !== undefined) admitMount(existing, resource);
}

const TLS_RENEWAL_DOC = 'docs/operator.md "TLS renewal"';

/** A server certificate from the namespace's bootstrap CA; none from a CA that has expired. */
async function issueFromBootstrapCa(context: MaterialContext, resource: ServiceResource): Promise<TlsMaterial> {
  const ca = await bootstrapCa(context, resource.metadata.namespace);
  const now = context.now();
  if (caState(ca.cert, now) === 'expired') {
    throw new ReconcileProblem('BootstrapCaExpired', `the bootstrap CA in Secret ${BOOTSTRAP_CA_SECRET} has expired; no certificate is issued from it: rotate it (${TLS_RENEWAL_DOC})`);
  }
  return issueServerCertificate(ca, childNames(resource).workload, serverNames(resource), now);
}

/** The CA a TLS Secret names in ca.crt; undefined when there is none to read. */
function trustedCa(secret: KubeObject): X509Certificate | undefined {
  try {
    return new X509Certificate(decoded(secret, 'ca.crt') ?? '');
  } catch {
    return undefined;
  }
}

/**
 * Renews an operator-issued certificate once two thirds of its life have passed. The Secret is
 * replaced in place with the read's resourceVersion as precondition: of two concurrent renewals one
 * writes, the other's update is refused and the next reconcile sees the new certificate. The pods
 * reload the mounted files without a restart (services/template/tls/reload.ts).
 */
async function renewTlsSecret(context: MaterialContext, resource: ServiceResource, existing: KubeObject): Promise<void> {
  const now = context.now();
  // Read from the Secret already at hand: a warning costs no extra request per reconcile.
  const ca = trustedCa(existing);
  if (ca !== undefined && caState(ca.toString(), now) !== 'valid') {
    const notAfter = ca.validToDate.toISOString();
    await context.announce('BootstrapCaExpiring', `the bootstrap CA in Secret ${BOOTSTRAP_CA_SECRET} is valid until ${notAfter}; certificates it issues end with it: rotate it before then (${TLS_RENEWAL_DOC})`, 'Warning');
  }
  if (!renewalDue(decoded(existing, 'tls.crt'), now)) {
    return;
  }
  const material = await issueFromBootstrapCa(context, resource);
  const renewed = await context.api.update({ ...existing, data: secretData({ 'tls.crt': material.cert, 'tls.key': material.key, 'ca.crt': material.ca }) });
  if (renewed) {
    const certificate = new X509Certificate(material.cert);
    await context.announce('TlsCertificateRenewed', `renewed the certificate in Secret ${existing.metadata.name} (serial ${certificate.serialNumber}, valid until ${certificate.validToDate.toISOString()}); the pods reload it without a restart`);
  }
}

async function ensureTlsSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  const { namespace } = resource.metadata;
  const name = childNames(resource).tls;
  // cert-manager writes its own Secret, and may not have yet: its Certificate is an applied child,
  // so the ownership check before apply covers that mode. cert-manager renews it as well.
  if (resource.spec.tls?.mode === 'CertManager') {
    return;
  }
  const existing = await context.api.get(secretRef(namespace, name));
  if (existing !== undefined) {
    admitMount(existing, resource);
    // Only what the operator issued is its to renew: a Secret the user labelled mountable stays theirs.
    if (issuesCertificate(resource) && ownedBy(existing, resource)) {
      await renewTlsSecret(context, resource, existing);
    }
    return;
  }
  if (!issuesCertificate(resource)) {
    throw new ReconcileProblem('TlsSecretMissing', `spec.tls.secretName names Secret ${name}, which does not exist`);
  }
  await context.api.create(tlsSecret(resource, row, await issueFromBootstrapCa(context, resource)));
}

/** Whether sealed data may exist for this resource: status says so, or the database volume remains. */
async function barrierInitialized(context: MaterialContext, resource: ServiceResource): Promise<boolean> {
  return resource.status?.barrier?.initialized === true || (managesDatabase(resource) && await databaseVolumeExists(context, resource));
}

/** The key check value the shares rebuild, or undefined when they rebuild none. */
async function keyCheckOf(shares: readonly string[]): Promise<string | undefined> {
  try {
    return await keyCheckOfShares(shares);
  } catch {
    return undefined;
  }
}

/** One share Secret found: its index, the share and the key check value beside it. */
interface FoundShare {
  readonly index: number;
  readonly secret: KubeObject;
  readonly share: string | undefined;
  readonly keyCheck: string | undefined;
}

/**
 * The share Secrets there are, in index order. A Secret named like one that the resource may not
 * mount stops the reconcile (SecretNotAllowed), as for every Secret a pod would read.
 */
async function findShares(context: MaterialContext, resource: ServiceResource): Promise<FoundShare[]> {
  const { shares } = unsealSplit(resource);
  const found: FoundShare[] = [];
  for (let index = 1; index <= shares; index += 1) {
    const secret = await context.api.get(secretRef(resource.metadata.namespace, shareSecretName(resource, index)));
    if (secret === undefined) continue;
    admitMount(secret, resource);
    found.push({ index, secret, share: decoded(secret, SHARE_KEY), keyCheck: decoded(secret, KEY_CHECK_KEY) });
  }
  return found;
}

/**
 * The shares found must hold one key, the one status.barrier.keyCheck records: every Secret carries
 * that key check value, and when there are enough shares to rebuild the key, they rebuild it.
 */
async function checkShares(resource: ServiceResource, found: readonly FoundShare[]): Promise<string> {
  const recorded = resource.status?.barrier?.keyCheck;
  const [first] = found;
  const keyCheck = recorded ?? first?.keyCheck;
  const stray = found.find((item) => item.share === undefined || item.keyCheck === undefined || item.keyCheck !== keyCheck);
  const shares = found.map((item) => item.share ?? '');
  const rebuilds = shares.length < unsealSplit(resource).threshold || await keyCheckOf(shares) === keyCheck;
  if (keyCheck === undefined || stray !== undefined || !rebuilds) {
    const names = (stray === undefined ? found : [stray]).map((item) => item.secret.metadata.name).join(', ');
    throw new ReconcileProblem('UnsealMaterialMismatch', `Secret ${names} does not hold the unseal key ${recorded === undefined ? 'the other shares hold' : `status.barrier.keyCheck records (${recorded})`}: each share Secret needs "${SHARE_KEY}" and "${KEY_CHECK_KEY}" of one key; ${RESTORE_HINT}`);
  }
  return keyCheck;
}

/**
 * An unseal Secret of the earlier layout (`<unseal>` holding share-1…share-N and keyCheck) is split
 * into one Secret per share; the shares are copied, never generated. The old Secret is then deleted
 * when the operator wrote it; one the user supplied is left to the user (an Event says so).
 */
async function splitCombinedSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  const name = childNames(resource).unseal;
  const combined = await context.api.get(secretRef(resource.metadata.namespace, name));
  if (combined === undefined) return;
  admitMount(combined, resource);
  const data = (combined.data ?? {}) as Record<string, string>;
  const shares = Object.keys(data).filter((key) => /^share-\d+$/u.test(key)).map((key) => ({ index: Number(key.slice('share-'.length)), share: decoded(combined, key) ?? '' }));
  const keyCheck = decoded(combined, KEY_CHECK_KEY) ?? await keyCheckOf(shares.map((item) => item.share));
  if (keyCheck === undefined) {
    throw new ReconcileProblem('UnsealSecretUnusable', `Secret ${name} has no keyCheck and its shares do not rebuild a key`);
  }
  for (const { index, share } of shares) {
    await context.api.create(shareSecret(resource, row, index, { share, keyCheck }));
  }
  if (ownedBy(combined, resource)) {
    await context.api.delete(secretRef(resource.metadata.namespace, name));
    await context.announce('UnsealSecretSplit', `moved the shares of Secret ${name} into one Secret each (${name}-1…) and deleted it`);
    return;
  }
  await context.announce('UnsealSecretSplit', `copied the shares of Secret ${name} into one Secret each (${name}-1…); ${name} was not created by the operator and is left in place: delete it once the copies are backed up`);
}

async function ensureUnsealSecrets(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<Material> {
  if (!row.children.unseal) {
    return { missing: [] };
  }
  await splitCombinedSecret(context, resource, row);
  const found = await findShares(context, resource);
  const split = unsealSplit(resource);
  if (found.length > 0) {
    const keyCheck = await checkShares(resource, found);
    const absent = split.mounted.filter((index) => !found.some((item) => item.index === index)).map((index) => shareSecretName(resource, index));
    const missing = absent.length === 0 ? [] : [new ReconcileProblem('UnsealMaterialMissing', `the pods mount Secret ${absent.join(', ')}, which is gone; new shares would not open the sealed data, so none are generated: ${RESTORE_HINT}, or lower spec.barrier.mountShares`)];
    return { barrier: { initialized: true, keyCheck }, missing };
  }
  if (await barrierInitialized(context, resource)) {
    const barrier = resource.status?.barrier ?? { initialized: true };
    // Custodians unsealing by hand may keep every share outside the cluster.
    if (split.mounted.length === 0) return { barrier, missing: [] };
    const problem = new ReconcileProblem('UnsealMaterialMissing', `the unseal share Secrets (${shareSecretName(resource, 1)}…) are gone but the barrier was initialized with their shares; new shares would not open the sealed data, so none are generated: ${RESTORE_HINT}`);
    return { ...(resource.status?.barrier === undefined ? {} : { barrier: resource.status.barrier }), missing: [problem] };
  }
  const { shares, keyCheck } = await newUnsealKey(split.shares, split.threshold);
  // Share Secrets the user created beforehand (split elsewhere, or synced from a secret store) are found above and used as they are.
  let created = 0;
  for (const [position, share] of shares.entries()) {
    if (await context.api.create(shareSecret(resource, row, position + 1, { share, keyCheck }))) created += 1;
  }
  if (created === shares.length) {
    await context.announce('UnsealSecretCreated', `generated ${String(shares.length)} unseal shares, one Secret each (${shareSecretName(resource, 1)}…); back them up apart from each other, they are kept when the resource is deleted unless deletionPolicy is Delete`);
    return { barrier: { initialized: true, keyCheck }, missing: [] };
  }
  // Another writer created some first: the next reconcile judges what is there.
  return { missing: [] };
}

/**
 * Creates whichever generated Secrets are missing and may be generated; throws ReconcileProblem for
 * Secrets the user must supply, and returns as `missing` those of an initialized instance.
 */
export async function ensureMaterial(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<Material> {
  const database = await ensureDatabaseSecret(context, resource, row);
  const pepper = await ensurePepperSecret(context, resource, row);
  await ensureOperatorClientSecret(context, resource, row);
  await ensureSignInClientsSecret(context, resource, row);
  await admitRpClientSecret(context, resource, row);
  await ensureTlsSecret(context, resource, row);
  const unseal = await ensureUnsealSecrets(context, resource, row);
  return { ...unseal, missing: [...[database, pepper].filter((problem) => problem !== undefined), ...unseal.missing] };
}
