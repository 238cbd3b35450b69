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
import { unsealSecret, unsealSplit } from '../children/unseal.ts';
import { createBootstrapCa, issueServerCertificate } from '../material/bootstrap-ca.ts';
import type { CaPem } from '../material/bootstrap-ca.ts';
import { generatePassword } from '../material/generated.ts';
import { newUnsealKey } from '../../services/template/barrier/index.ts';
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
  // cert-manager writes its own Secret, and may not have yet: nothing to check in that mode.
  if (resource.spec.tls?.mode === 'CertManager' || await context.api.get(secretRef(namespace, name)) !== undefined) {
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
  if (await context.api.get(secretRef(resource.metadata.namespace, name)) !== undefined) {
    return;
  }
  const { shares, threshold } = unsealSplit(resource);
  // A Secret the user created beforehand (shares split elsewhere) is found above and used as it is.
  if (await context.api.create(unsealSecret(resource, row, await newUnsealKey(shares, threshold)))) {
    await context.announce('UnsealSecretCreated', `generated unseal shares in Secret ${name}; back them up, they are kept when the resource is deleted unless deletionPolicy is Delete`);
  }
}

/** Creates whichever generated Secrets are missing; throws ReconcileProblem for Secrets the user must supply. */
export async function ensureMaterial(context: MaterialContext, resource: ServiceResource, row: KindRow): Promise<void> {
  await ensureDatabaseSecret(context, resource, row);
  await ensureTlsSecret(context, resource, row);
  await ensureUnsealSecret(context, resource, row);
}
