/**
 * The chart's backup CronJobs (values `backup.*`, docs/operations.md "On Kubernetes"): off by
 * default; one per target in the target's namespace, reading the database Secret the operator
 * generates for that kind, with the restricted pod security settings; a NetworkPolicy that lets
 * exactly those pods reach the resource's PostgreSQL; values.schema.json refusing what cannot work.
 * The rendered command itself runs here against a fake pg_dump to prove the archive naming,
 * retention and failure handling; test/e2e/backup-cronjob.e2e.test.ts runs it with the real one.
 * docs/operations.md's values render the CronJob it shows.
 */
import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KIND_ROWS, kindRow } from '../../operator/kinds.ts';
import { childNames } from '../../operator/children/names.ts';
import { DATABASE_URL_KEY } from '../../operator/children/postgres.ts';
import { databaseNetworkPolicy } from '../../operator/children/policies.ts';
import { selectorLabels } from '../../operator/resources/ownership.ts';
import { kmsInstance, withExternalDatabase, withNamespace } from '../../operator/testing/fixtures.ts';
import type { ServiceResource } from '../../operator/resources/types.ts';
import { codeBlocks } from '../docs/blocks.ts';
import { chart, container, cronJobs, render, renderWith, runLocally, target, type CronJob, type Rendered } from './chart-jobs.ts';
import { helmPath, run } from './tools.ts';

const ON = 'backup.enabled=true';

/** A resource of `kind` as the operator would reconcile it. */
function resource(kind: string, name: string, namespace: string, external?: string): ServiceResource {
  const base = kmsInstance(name, withNamespace(namespace), ...(external === undefined ? [] : [withExternalDatabase(external)]));
  return { ...base, kind };
}

function env(cronJob: CronJob, name: string): string | undefined {
  return container(cronJob).env.find((variable) => variable.name === name)?.value;
}

function policies(manifests: readonly Rendered[]): Rendered[] {
  return manifests.filter((manifest) => manifest.kind === 'NetworkPolicy');
}

/** True when every label of `selector` is on `labels`. */
function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** helm must exit 1 and name where values.schema.json (or the template) found the fault. */
async function refused(where: string, ...set: string[]): Promise<void> {
  const result = await render(...set);
  expect(result.code, set.join(' ')).to.equal(1);
  expect(result.stderr, set.join(' ')).to.include(where);
}

describe('Helm chart charts/cryptoutil-operator: backup CronJobs', function () {
  this.timeout(20_000);

  it('renders no CronJob and no NetworkPolicy by default, nor when enabled without targets', async () => {
    for (const set of [[], [ON], ['backup.enabled=false', ...target(0, { kind: 'KmsInstance', name: 'vault', namespace: 'keys' })]]) {
      const { code, manifests } = await render(...set);
      expect(code).to.equal(0);
      expect(manifests.map((manifest) => manifest.kind), set.join(' ')).not.to.include.members(['CronJob', 'NetworkPolicy']);
    }
  });

  it('renders one CronJob per target, in its namespace, reading the database Secret the operator generated', async () => {
    const { manifests } = await render(ON,
      ...target(0, { kind: 'KmsInstance', name: 'vault', namespace: 'keys' }),
      ...target(1, { kind: 'PetStore', name: 'demo', namespace: 'default', schedule: '47 3 * * 0', keep: 7 }));
    const [vault, demo] = cronJobs(manifests);
    expect(cronJobs(manifests)).to.have.length(2);
    expect([vault?.metadata.name, vault?.metadata.namespace, demo?.metadata.name, demo?.metadata.namespace]).to.deep.equal(['vault-sm-kms-backup', 'keys', 'demo-learn-ps-backup', 'default']);
    if (vault === undefined || demo === undefined) return;
    expect(vault.metadata.labels).to.include({ 'app.kubernetes.io/name': 'cryptoutil-operator', 'app.kubernetes.io/instance': 'cryptoutil-operator', 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/component': 'backup' });
    expect(vault.spec).to.include({ schedule: '17 3 * * *', concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(demo.spec.schedule).to.equal('47 3 * * 0');
    const pod = vault.spec.jobTemplate.spec.template.spec;
    expect(pod.volumes).to.deep.equal([
      { name: 'database', secret: { secretName: childNames(resource('KmsInstance', 'vault', 'keys')).databaseSecret, items: [{ key: DATABASE_URL_KEY, path: 'url' }] } },
      { name: 'backups', persistentVolumeClaim: { claimName: 'cryptoutil-backups' } },
    ]);
    expect([env(vault, 'BACKUP_DIR'), env(vault, 'BACKUP_KEEP'), env(demo, 'BACKUP_KEEP')]).to.deep.equal(['/backups/vault-sm-kms', '0', '7']);
    expect(container(vault).image).to.equal('postgres:17-alpine');
    expect(container(vault).resources).to.have.keys('requests', 'limits');
  });

  it('runs the backup pod restricted: non-root uid 70, RuntimeDefault seccomp, read-only root, no capability, no escalation, no API token', async () => {
    const [cronJob] = cronJobs((await render(ON, ...target(0, { kind: 'JwkAuthority', name: 'tokens', namespace: 'auth' }))).manifests);
    if (cronJob === undefined) throw new Error('no CronJob rendered');
    const pod = cronJob.spec.jobTemplate.spec.template.spec;
    expect(pod).to.include({ restartPolicy: 'Never', automountServiceAccountToken: false });
    expect(pod.securityContext).to.deep.equal({ runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(cronJob).securityContext).to.deep.equal({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(container(cronJob).volumeMounts).to.deep.include({ name: 'database', mountPath: '/etc/cryptoutil/database', readOnly: true });
  });

  it('knows the service and database Secret of every kind with one database, as the operator names them', async () => {
    // An IdentityRealm runs one database per service; a target names one database, so realms are not offered yet.
    const single = KIND_ROWS.filter((row) => row.components === undefined);
    const schema = JSON.parse(await readFile(join(chart, 'values.schema.json'), 'utf8')) as { properties: { backup: { properties: { targets: { items: { properties: { kind: { enum: string[] } } } } } } } };
    expect(schema.properties.backup.properties.targets.items.properties.kind.enum).to.have.members(single.map((row) => row.kind));
    const { manifests } = await render(ON, ...single.flatMap((row, index) => target(index, { kind: row.kind, name: 'demo', namespace: 'team-a' })));
    const rendered = cronJobs(manifests);
    expect(rendered).to.have.length(single.length);
    for (const row of single) {
      const names = childNames(resource(row.kind, 'demo', 'team-a'));
      const cronJob = rendered.find((candidate) => candidate.metadata.name === `${names.workload}-backup`);
      if (cronJob === undefined) throw new Error(`no CronJob ${names.workload}-backup for ${row.kind}`);
      expect(cronJob.spec.jobTemplate.spec.template.spec.volumes[0]?.secret?.secretName, row.kind).to.equal(names.databaseSecret);
      expect(env(cronJob, 'BACKUP_PREFIX'), row.kind).to.equal(`demo-${row.service}`);
    }
    await refused("at '/backup/targets/0/kind': value must be one of", ON, ...target(0, { kind: 'IdentityRealm', name: 'demo', namespace: 'team-a' }));
  });

  it('admits the backup pods to their own resource\'s PostgreSQL, and they join none of its selectors', async () => {
    const { manifests } = await render(ON,
      ...target(0, { kind: 'KmsInstance', name: 'vault', namespace: 'keys' }),
      ...target(1, { kind: 'CertificateAuthority', name: 'vault', namespace: 'keys' }));
    const [kms, ca] = cronJobs(manifests);
    const [kmsPolicy, caPolicy] = policies(manifests);
    if (kms === undefined || ca === undefined || kmsPolicy === undefined || caPolicy === undefined) throw new Error('two CronJobs and two NetworkPolicies expected');
    const vault = resource('KmsInstance', 'vault', 'keys');
    const row = kindRow('KmsInstance');
    const operatorPolicy = databaseNetworkPolicy(vault, row) as unknown as { spec: { podSelector: unknown } };
    expect(kmsPolicy.metadata).to.include({ name: 'vault-sm-kms-backup', namespace: 'keys' });
    expect(kmsPolicy.spec.podSelector).to.deep.equal(operatorPolicy.spec.podSelector);
    const ingress = kmsPolicy.spec.ingress as { from: { podSelector: { matchLabels: Record<string, string> } }[]; ports: unknown[] }[];
    expect(ingress[0]?.ports).to.deep.equal([{ protocol: 'TCP', port: 5432 }]);
    const admitted = ingress[0]?.from[0]?.podSelector.matchLabels ?? {};
    const podLabels = (cronJob: CronJob): Record<string, string> => cronJob.spec.jobTemplate.spec.template.metadata.labels;
    expect(selects(admitted, podLabels(kms))).to.equal(true);
    expect(selects(admitted, podLabels(ca)), 'another resource\'s backup pods').to.equal(false);
    // Not the service's pods: its Service, PodDisruptionBudget and NetworkPolicy would take them in.
    expect(selects(selectorLabels(vault, row, 'server'), podLabels(kms))).to.equal(false);
    expect(selects(selectorLabels(vault, row, 'database'), podLabels(kms))).to.equal(false);
  });

  it('with secretRef reads the external database\'s Secret and renders no NetworkPolicy', async () => {
    const { manifests } = await render(ON, ...target(0, { kind: 'PetStore', name: 'shop', namespace: 'default', 'secretRef.name': 'pg-credentials', 'secretRef.key': 'dsn' }));
    const [cronJob] = cronJobs(manifests);
    expect(cronJob?.spec.jobTemplate.spec.template.spec.volumes[0]?.secret).to.deep.equal({ secretName: 'pg-credentials', items: [{ key: 'dsn', path: 'url' }] });
    expect(childNames(resource('PetStore', 'shop', 'default', 'pg-credentials')).databaseSecret).to.equal('pg-credentials');
    expect(policies(manifests)).to.deep.equal([]);
  });

  it('values.schema.json refuses a bad kind, a missing name or namespace, a malformed schedule, a negative keep and unknown keys', async () => {
    const vault = { kind: 'KmsInstance', name: 'vault', namespace: 'keys' };
    await refused("at '/backup/targets/0/kind'", ON, ...target(0, { ...vault, kind: 'Vault' }));
    await refused("missing property 'name'", ON, ...target(0, { kind: 'KmsInstance', namespace: 'keys' }));
    await refused("missing property 'namespace'", ON, ...target(0, { kind: 'KmsInstance', name: 'vault' }));
    await refused("at '/backup/targets/0/name'", ON, ...target(0, { ...vault, name: 'Vault_1' }));
    await refused("at '/backup/schedule'", ON, 'backup.schedule=nightly');
    await refused("at '/backup/targets/0/schedule'", ON, ...target(0, { ...vault, schedule: '3 * *' }));
    await refused("at '/backup/keep'", ON, 'backup.keep=-1');
    await refused("at '/backup/enabled'", 'backup.enabled=yes');
    await refused("additional properties 'claim' not allowed", ON, 'backup.claim=x');
    await refused("at '/backup/targets/0/secretRef'", ON, ...target(0, { ...vault, 'secretRef.name': 'pg' }));
    for (const schedule of ['@daily', '*/15 * * * *', '0 3 * * MON-FRI']) {
      expect((await render(ON, `backup.schedule=${schedule}`, ...target(0, vault))).code, schedule).to.equal(0);
    }
  });

  it('refuses a target whose CronJob name would pass 52 characters (Job names get 11 more)', async () => {
    const name = 'a'.repeat(39);
    await refused(`CronJob name ${name}-pki-ca-backup is longer than 52 characters`, ON, ...target(0, { kind: 'CertificateAuthority', name, namespace: 'pki' }));
    expect((await render(ON, ...target(0, { kind: 'CertificateAuthority', name: name.slice(1), namespace: 'pki' }))).code).to.equal(0);
  });

  it('passes helm lint --strict with backups on', async () => {
    const result = await run(await helmPath(), ['lint', '--strict', chart, '--set', ON, '--set', 'backup.keep=7',
      ...[...target(0, { kind: 'KmsInstance', name: 'vault', namespace: 'keys' }), ...target(1, { kind: 'PetStore', name: 'shop', namespace: 'default', 'secretRef.name': 'pg', 'secretRef.key': 'url' })].flatMap((value) => ['--set', value])]);
    expect(result.code, result.stdout).to.equal(0);
  });

  it('NOTES.txt lists the backup CronJobs and says the claim is not the chart\'s, only when there are some', async () => {
    const notes = async (...set: string[]): Promise<string> => {
      // --dry-run=client renders NOTES without a cluster; KUBECONFIG points nowhere on purpose.
      const result = await run(await helmPath(), ['install', 'cryptoutil-operator', chart, '--dry-run=client', '--namespace', 'cryptoutil-system', ...set.flatMap((value) => ['--set', value])], { env: { KUBECONFIG: '/dev/null' } });
      expect(result.code, result.stderr).to.equal(0);
      return result.stdout.slice(result.stdout.indexOf('NOTES:'));
    };
    const listed = await notes(ON, 'backup.persistentVolumeClaim=archives',
      ...target(0, { kind: 'KmsInstance', name: 'vault', namespace: 'keys' }),
      ...target(1, { kind: 'JwkAuthority', name: 'tokens', namespace: 'auth', schedule: '@daily' }));
    expect(listed).to.include('PersistentVolumeClaim\narchives, which the chart does not create');
    expect(listed).to.include('  keys/vault-sm-kms-backup (schedule "17 3 * * *")\n  auth/tokens-jose-ja-backup (schedule "@daily")');
    expect(await notes()).not.to.include('Backups:');
    expect(await notes(ON)).not.to.include('Backups:');
  });

  it('docs/operations.md "On Kubernetes": its values render the CronJob it shows', async () => {
    const file = join(chart, '..', '..', 'docs', 'operations.md');
    const text = await readFile(file, 'utf8');
    const [values, shown] = codeBlocks('docs/operations.md', text.slice(text.indexOf('### On Kubernetes'))).filter((block) => block.language === 'yaml');
    if (values === undefined || shown === undefined) throw new Error('two yaml blocks expected under "On Kubernetes"');
    const dir = await mkdtemp(join(tmpdir(), 'cryptoutil-docs-values-'));
    try {
      await writeFile(join(dir, 'backup-values.yaml'), values.code);
      const result = await renderWith(['-f', join(dir, 'backup-values.yaml')]);
      expect(result.code, result.stderr).to.equal(0);
      const expected = parse(shown.code) as CronJob;
      const actual = cronJobs(result.manifests).find((cronJob) => cronJob.metadata.name === expected.metadata.name);
      if (actual === undefined) throw new Error(`no CronJob ${expected.metadata.name}`);
      expect(actual.metadata.namespace).to.equal(expected.metadata.namespace);
      expect(actual.spec).to.include({ schedule: expected.spec.schedule, concurrencyPolicy: expected.spec.concurrencyPolicy });
      expect(actual.spec.jobTemplate.spec.backoffLimit).to.equal(expected.spec.jobTemplate.spec.backoffLimit);
      const [pod, shownPod] = [actual.spec.jobTemplate.spec.template, expected.spec.jobTemplate.spec.template];
      expect(pod.metadata.labels).to.deep.equal(shownPod.metadata.labels);
      expect(pod.spec).to.deep.include({ restartPolicy: shownPod.spec.restartPolicy, automountServiceAccountToken: shownPod.spec.automountServiceAccountToken, volumes: shownPod.spec.volumes });
      expect(pod.spec.securityContext).to.deep.include(shownPod.spec.securityContext);
      const [main, shownMain] = [container(actual), shownPod.spec.containers[0]];
      if (shownMain === undefined) throw new Error('the docs show no container');
      expect(main).to.deep.include({ image: shownMain.image, command: shownMain.command, securityContext: shownMain.securityContext, volumeMounts: shownMain.volumeMounts });
      expect(main.env).to.deep.include.members(shownMain.env);
      const lines = (main.args[0] ?? '').split('\n').map((line) => line.trim());
      for (const line of (shownMain.args[0] ?? '').split('\n').map((shownLine) => shownLine.trim()).filter((shownLine) => shownLine !== '' && !shownLine.startsWith('#'))) {
        expect(lines, 'a line of the shown command').to.include(line);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('the rendered command, run here with a fake pg_dump', () => {
    let dir: string;
    let claim: string;
    let fakeBin: string;
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'cryptoutil-chart-backup-'));
      claim = join(dir, 'claim');
      fakeBin = join(dir, 'bin');
      await mkdir(claim);
      await mkdir(fakeBin);
      // Records its arguments, writes an archive to --file, or fails halfway through when FAKE_FAIL is set.
      await writeFile(join(fakeBin, 'pg_dump'), [
        '#!/bin/sh',
        'printf "%s\\n" "$@" > "$FAKE_ARGS"',
        'for arg; do case "$arg" in --file=*) printf "PGDMP" > "${arg#--file=}";; esac; done',
        'if [ -n "${FAKE_FAIL:-}" ]; then echo "pg_dump: error: connection refused" >&2; exit 1; fi',
      ].join('\n'));
      await chmod(join(fakeBin, 'pg_dump'), 0o755);
    });
    afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

    async function backupJob(keep: number): Promise<CronJob> {
      const [cronJob] = cronJobs((await render(ON, `backup.keep=${keep.toString()}`, ...target(0, { kind: 'KmsInstance', name: 'vault', namespace: 'keys' }))).manifests);
      if (cronJob === undefined) throw new Error('no CronJob rendered');
      return cronJob;
    }

    async function runJob(cronJob: CronJob, fail = false): Promise<{ code: number; stdout: string; stderr: string }> {
      const local = { secrets: { 'vault-sm-kms-postgres': { url: 'postgres://cryptoutil:pw@vault-sm-kms-postgres.keys.svc:5432/cryptoutil' } }, claims: { 'cryptoutil-backups': claim } };
      return runLocally(cronJob, local, { PATH: `${fakeBin}:${process.env.PATH ?? ''}`, FAKE_ARGS: join(dir, 'args'), ...(fail ? { FAKE_FAIL: '1' } : {}) });
    }

    it('writes <claim>/<name>-<service>/<name>-<service>-<UTC time>.backup with the options of cryptoutil backup, the URL read from the Secret', async () => {
      const result = await runJob(await backupJob(0));
      expect(result.code, result.stderr).to.equal(0);
      const [archive, ...others] = await readdir(join(claim, 'vault-sm-kms'));
      expect(others).to.deep.equal([]);
      expect(archive).to.match(/^vault-sm-kms-\d{8}T\d{6}Z\.backup$/u);
      const file = join(claim, 'vault-sm-kms', archive ?? '');
      expect(result.stdout).to.include(`wrote ${file}`);
      expect((await readFile(join(dir, 'args'), 'utf8')).trim().split('\n')).to.deep.equal([
        '--format=custom', '--no-owner', '--no-privileges', `--file=${file}.partial`, '--dbname=postgres://cryptoutil:pw@vault-sm-kms-postgres.keys.svc:5432/cryptoutil',
      ]);
    });

    it('with keep N deletes all but the newest N archives of that target, after a successful dump only', async () => {
      const target_ = join(claim, 'vault-sm-kms');
      await mkdir(target_);
      await mkdir(join(claim, 'other-sm-kms'));
      const old = ['20240101T031700Z', '20250101T031700Z', '20260101T031700Z'].map((time) => `vault-sm-kms-${time}.backup`);
      for (const name of [...old, 'notes.txt']) await writeFile(join(target_, name), 'PGDMP');
      await writeFile(join(claim, 'other-sm-kms', 'other-sm-kms-20200101T000000Z.backup'), 'PGDMP');
      const failed = await runJob(await backupJob(2), true);
      expect(failed.code).to.equal(1);
      expect(failed.stderr).to.include('connection refused');
      expect((await readdir(target_)).sort(), 'a failed run leaves no .partial and deletes nothing').to.deep.equal([...old, 'notes.txt'].sort());
      const result = await runJob(await backupJob(2));
      expect(result.code, result.stderr).to.equal(0);
      const kept = (await readdir(target_)).filter((name) => name !== old[2] && name !== 'notes.txt');
      expect(await readdir(target_)).to.have.length(3).and.include.members([old[2], 'notes.txt']);
      expect(kept).to.have.length(1);
      expect(kept[0]).to.match(/^vault-sm-kms-\d{8}T\d{6}Z\.backup$/u);
      expect(result.stdout).to.include(`removed ${join(target_, old[0] ?? '')}`).and.include(`removed ${join(target_, old[1] ?? '')}`);
      expect(await readdir(join(claim, 'other-sm-kms'))).to.have.length(1);
    });
  });
});
