/**
 * Children that hold generated secrets: created when absent and then never rewritten, so a reconcile
 * cannot rotate a password, replace a certificate or lose unseal shares by accident.
 */
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { KubeObject, ObjectRef, ServiceResource } from '../resources/types.ts';
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

async function ensureDatabaseSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  const name = childNames(resource).databaseSecret;
  const existing = await context.api.get(secretRef(resource.metadata.namespace, name));
  if (existing !== undefined) {
    admitMount(existing, resource);
    return;
  }
  if (!managesDatabase(resource)) {
    throw new ReconcileProblem('DatabaseSecretMissing', `spec.database.external.secretRef names Secret ${name}, which does not exist`);
  }
  await context.api.create(databaseSecret(resource, row, generatePassword()));
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

async function ensureUnsealSecret(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  if (!row.children.unseal) {
    return;
  }
  const name = childNames(resource).unseal;
  const existing = await context.api.get(secretRef(resource.metadata.namespace, name));
  if (existing !== undefined) {
    admitMount(existing, resource);
    await addKeyCheck(context, resource, existing);
    return;
  }
  const { shares, threshold } = unsealSplit(resource);
  // A Secret the user created beforehand (shares split elsewhere) is found above and used as it is.
  if (await context.api.create(unsealSecret(resource, row, await newUnsealKey(shares, threshold)))) {
    await context.announce('UnsealSecretCreated', `generated unseal shares in Secret ${name}; back them up, they are kept when the resource is deleted unless deletionPolicy is Delete`);
  }
}

/**
 * An unseal Secret the operator wrote before it stored the key check value has only shares, and
 * pods reading `barrier.keyCheck` from it cannot start. The shares rebuild the key, so the value is
 * computed from them and added, once, with the read's resourceVersion as precondition. A Secret
 * the user supplied is never rewritten: it must carry `keyCheck` itself.
 */
async function addKeyCheck(context: MaterialContext, resource: ServiceResource, secret: KubeObject): Promise<void> {
  const data = (secret.data ?? {}) as Record<string, string>;
  if (data[KEY_CHECK_KEY] !== undefined || !ownedBy(secret, resource)) {
    return;
  }
  const shares = Object.entries(data).filter(([key]) => /^share-\d+$/u.test(key)).map(([, value]) => Buffer.from(value, 'base64').toString('utf8'));
  let keyCheck: string;
  try {
    keyCheck = await keyCheckOfShares(shares);
  } catch {
    throw new ReconcileProblem('UnsealSecretUnusable', `Secret ${secret.metadata.name} has no keyCheck and its shares do not rebuild a key`);
  }
  const updated = { ...secret, data: { ...data, [KEY_CHECK_KEY]: Buffer.from(keyCheck, 'utf8').toString('base64') } };
  if (await context.api.update(updated)) {
    await context.announce('UnsealKeyCheckAdded', `added the key check value of the unseal key to Secret ${secret.metadata.name}`);
    return;
  }
  // Someone wrote the Secret since it was read: decide again on what it holds now.
  const current = await context.api.get(secretRef(resource.metadata.namespace, secret.metadata.name));
  if (current !== undefined) {
    await addKeyCheck(context, resource, current);
  }
}

/** Creates whichever generated Secrets are missing; throws ReconcileProblem for Secrets the user must supply. */
export async function ensureMaterial(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  await ensureDatabaseSecret(context, resource, row);
  await ensureTlsSecret(context, resource, row);
  await ensureUnsealSecret(context, resource, row);
}
