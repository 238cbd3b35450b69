/**
 * Children that hold generated secrets: created when absent and then never rewritten, so a reconcile
 * cannot rotate a password, replace a certificate or lose unseal shares by accident.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { BarrierStatus, KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
import { FIELD_MANAGER, secretData } from '../resources/ownership.ts';
import { childNames, managesDatabase } from '../children/names.ts';
import { databaseSecret } from '../children/postgres.ts';
import { issuesCertificate, serverNames, tlsSecret } from '../children/tls.ts';
import { KEY_CHECK_KEY, unsealSecret, unsealSplit } from '../children/unseal.ts';
import { createBootstrapCa, issueServerCertificate } from '../material/bootstrap-ca.ts';
import type { CaPem } from '../material/bootstrap-ca.ts';
import { generatePassword } from '../material/generated.ts';
import { keyCheckOfShares, newUnsealKey } from '../../services/template/barrier/index.ts';
import { mayMount, ownedBy } from '../guards/index.ts';
import { ReconcileProblem } from './problem.ts';

/** The per-namespace Secret that holds the bootstrap CA. */
export const BOOTSTRAP_CA_SECRET = 'cryptoutil-bootstrap-ca';

/** What material creation needs besides the API: a clock and a way to tell users what happened. */
export interface MaterialContext {
  readonly api: KubeApi;
  readonly now: () => Date;
  readonly announce: (reason: string, note: string) => Promise<void>;
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

async function ensureTlsSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  const { namespace } = resource.metadata;
  const name = childNames(resource).tls;
  // cert-manager writes its own Secret, and may not have yet: its Certificate is an applied child,
  // so the ownership check before apply covers that mode.
  if (resource.spec.tls?.mode === 'CertManager') {
    return;
  }
  const existing = await context.api.get(secretRef(namespace, name));
  if (existing !== undefined) {
    admitMount(existing, resource);
    return;
  }
  if (!issuesCertificate(resource)) {
    throw new ReconcileProblem('TlsSecretMissing', `spec.tls.secretName names Secret ${name}, which does not exist`);
  }
  const ca = await bootstrapCa(context, namespace);
  const material = await issueServerCertificate(ca, childNames(resource).workload, serverNames(resource), context.now());
  await context.api.create(tlsSecret(resource, row, material));
}

/** The barrier status of an unseal Secret in use: initialized, with its key check value when it has one. */
function barrierOf(secret: KubeObject): BarrierStatus {
  const keyCheck = decoded(secret, KEY_CHECK_KEY);
  return keyCheck === undefined ? { initialized: true } : { initialized: true, keyCheck };
}

/** Whether sealed data may exist for this resource: status says so, or the database volume remains. */
async function barrierInitialized(context: MaterialContext, resource: ServiceResource): Promise<boolean> {
  return resource.status?.barrier?.initialized === true || (managesDatabase(resource) && await databaseVolumeExists(context, resource));
}

function shareValues(secret: KubeObject): string[] {
  const data = (secret.data ?? {}) as Record<string, string>;
  return Object.entries(data).filter(([key]) => /^share-\d+$/u.test(key)).map(([, value]) => Buffer.from(value, 'base64').toString('utf8'));
}

/** The key check value the shares rebuild, or undefined when they rebuild none. */
async function keyCheckOf(shares: readonly string[]): Promise<string | undefined> {
  try {
    return await keyCheckOfShares(shares);
  } catch {
    return undefined;
  }
}

/**
 * A restored Secret must hold the key status recorded: its key check value, and shares that rebuild
 * that key (when it carries every share; a Secret the user supplied may hold only some).
 */
async function checkRestored(resource: ServiceResource, secret: KubeObject): Promise<void> {
  const recorded = resource.status?.barrier?.keyCheck;
  if (recorded === undefined) return;
  const shares = shareValues(secret);
  const complete = shares.length >= unsealSplit(resource).shares;
  const found = decoded(secret, KEY_CHECK_KEY);
  const rebuilt = complete ? await keyCheckOf(shares) : found;
  if (found !== recorded || rebuilt !== recorded) {
    throw new ReconcileProblem('UnsealMaterialMismatch', `Secret ${secret.metadata.name} does not hold the unseal key status.barrier.keyCheck records (${recorded}); restore the Secret of this resource from a backup (docs/operator.md "Restoring a deleted Secret")`);
  }
}

async function ensureUnsealSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<Material> {
  if (!row.children.unseal) {
    return { missing: [] };
  }
  const name = childNames(resource).unseal;
  const existing = await context.api.get(secretRef(resource.metadata.namespace, name));
  if (existing !== undefined) {
    admitMount(existing, resource);
    const current = await addKeyCheck(context, resource, existing);
    await checkRestored(resource, current);
    return { barrier: barrierOf(current), missing: [] };
  }
  if (await barrierInitialized(context, resource)) {
    const problem = new ReconcileProblem('UnsealMaterialMissing', `Secret ${name} is gone but the barrier was initialized with its shares; new shares would not open the sealed data, so none are generated: restore the Secret from a backup (docs/operator.md "Restoring a deleted Secret")`);
    return { ...(resource.status?.barrier === undefined ? {} : { barrier: resource.status.barrier }), missing: [problem] };
  }
  const { shares, threshold } = unsealSplit(resource);
  const secret = unsealSecret(resource, row, await newUnsealKey(shares, threshold));
  // A Secret the user created beforehand (shares split elsewhere) is found above and used as it is.
  if (await context.api.create(secret)) {
    await context.announce('UnsealSecretCreated', `generated unseal shares in Secret ${name}; back them up, they are kept when the resource is deleted unless deletionPolicy is Delete`);
    return { barrier: barrierOf(secret), missing: [] };
  }
  // Another writer created it first: the next reconcile judges and records what it wrote.
  return { missing: [] };
}

/**
 * An unseal Secret the operator wrote before it stored the key check value has only shares, and
 * pods reading `barrier.keyCheck` from it cannot start. The shares rebuild the key, so the value is
 * computed from them and added, once, with the read's resourceVersion as precondition. A Secret
 * the user supplied is never rewritten: it must carry `keyCheck` itself.
 */
async function addKeyCheck(context: MaterialContext, resource: ServiceResource, secret: KubeObject): Promise<KubeObject> {
  const data = (secret.data ?? {}) as Record<string, string>;
  if (data[KEY_CHECK_KEY] !== undefined || !ownedBy(secret, resource)) {
    return secret;
  }
  const keyCheck = await keyCheckOf(shareValues(secret));
  if (keyCheck === undefined) {
    throw new ReconcileProblem('UnsealSecretUnusable', `Secret ${secret.metadata.name} has no keyCheck and its shares do not rebuild a key`);
  }
  const updated = { ...secret, data: { ...data, [KEY_CHECK_KEY]: Buffer.from(keyCheck, 'utf8').toString('base64') } };
  if (await context.api.update(updated)) {
    await context.announce('UnsealKeyCheckAdded', `added the key check value of the unseal key to Secret ${secret.metadata.name}`);
    return updated;
  }
  // Someone wrote the Secret since it was read: decide again on what it holds now.
  const current = await context.api.get(secretRef(resource.metadata.namespace, secret.metadata.name));
  return current === undefined ? secret : addKeyCheck(context, resource, current);
}

/**
 * Creates whichever generated Secrets are missing and may be generated; throws ReconcileProblem for
 * Secrets the user must supply, and returns as `missing` those of an initialized instance.
 */
export async function ensureMaterial(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<Material> {
  const database = await ensureDatabaseSecret(context, resource, row);
  await ensureTlsSecret(context, resource, row);
  const unseal = await ensureUnsealSecret(context, resource, row);
  return { ...unseal, missing: [...(database === undefined ? [] : [database]), ...unseal.missing] };
}
