import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { KINDS } from '../api/kinds.ts';
import { nextConditions, type Observation } from '../controllers/conditions.ts';
import type { Condition } from '../resources/types.ts';
import { argocdHealthConfigMap, healthKey, healthLua, MISSING_REASONS, type HealthStatus } from './health.ts';

const root = join(import.meta.dirname, '..', '..');
const generated = join(root, 'docs', 'gitops', 'argocd-cm-health.yaml');
const run = promisify(execFile);

/** A JSON value as a Lua table constructor; strings byte by byte, so any text survives quoting. */
function luaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') {
    const bytes = [...Buffer.from(value, 'utf8')];
    return `"${bytes.map((byte) => (byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`)).join('')}"`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{ ${value.map(luaLiteral).join(', ')} }`;
  const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => `[${luaLiteral(key)}] = ${luaLiteral(item)}`);
  return `{ ${entries.join(', ')} }`;
}

interface Verdict {
  readonly status: string;
  readonly message: string;
}

/** Runs `script` as Argo CD does: the object in the global `obj`, the script's returned table read back. */
async function evaluate(script: string, object: unknown): Promise<Verdict> {
  const program = [
    `obj = ${luaLiteral(object)}`,
    `local hs = (function()\n${script}\nend)()`,
    'io.write(hs.status, "\\n", hs.message)',
  ].join('\n');
  const { stdout } = await run('lua5.4', ['-e', program]);
  const [status = '', ...message] = stdout.split('\n');
  return { status, message: message.join('\n') };
}

const NOW = new Date('2026-12-01T00:00:00Z');

/** One condition as the operator stamps it, at generation 1. */
function stamped(type: string, status: Condition['status'], reason: string, message: string): Condition {
  return { type, status, reason, message, observedGeneration: 1, lastTransitionTime: NOW.toISOString() };
}

function observed(generation: number, extra: Partial<Observation>): Observation {
  return { generation, desiredReplicas: 2, readyReplicas: 2, databaseReady: true, ...extra };
}

/** A resource of `kind` at `generation` with the conditions the operator computes for `observation`. */
function resource(kind: string, generation: number, status?: { observedGeneration: number; conditions: Condition[] }): unknown {
  return {
    apiVersion: 'cryptoutil.io/v1alpha1',
    kind,
    metadata: { name: 'demo', namespace: 'team-a', generation },
    spec: { replicas: 2, auth: { issuer: 'https://identity.example.com' } },
    ...(status === undefined ? {} : { status }),
  };
}

function reconciled(kind: string, observation: Observation, generation = observation.generation): unknown {
  return resource(kind, generation, { observedGeneration: observation.generation, conditions: nextConditions([], observation, NOW) });
}

interface Case {
  readonly name: string;
  readonly object: (kind: string) => unknown;
  readonly status: HealthStatus;
  readonly message: string;
}

const CASES: readonly Case[] = [
  { name: 'no status yet', object: (kind) => resource(kind, 1), status: 'Progressing', message: 'waiting for the operator to report status' },
  { name: 'all replicas ready', object: (kind) => reconciled(kind, observed(4, {})), status: 'Healthy', message: '2/2 replicas ready' },
  { name: 'waiting for the database', object: (kind) => reconciled(kind, observed(1, { databaseReady: false })), status: 'Progressing', message: 'waiting for the database' },
  { name: 'one replica of two', object: (kind) => reconciled(kind, observed(1, { readyReplicas: 1 })), status: 'Progressing', message: 'waiting for 1/2 replicas ready' },
  { name: 'Ready, but for an older spec', object: (kind) => reconciled(kind, observed(2, {}), 3), status: 'Progressing', message: 'waiting for the operator to observe generation 3' },
  {
    name: 'a failed reconcile',
    object: (kind) => reconciled(kind, observed(1, { error: { reason: 'ObjectConflict', message: 'Service "demo" is owned by someone else' } })),
    status: 'Degraded',
    message: 'ObjectConflict: Service "demo" is owned by someone else',
  },
  {
    name: 'a stalled rollout',
    object: (kind) => reconciled(kind, observed(1, { stalled: 'ReplicaSet "demo-1" has timed out progressing' })),
    status: 'Degraded',
    message: 'ProgressDeadlineExceeded: the Deployment\'s rollout stalled: ReplicaSet "demo-1" has timed out progressing',
  },
  {
    name: 'a Secret only a backup can restore is gone',
    object: (kind) => reconciled(kind, observed(1, { error: { reason: 'DatabaseCredentialsMissing', message: 'Secret demo-db is gone — restore it' } })),
    status: 'Missing',
    message: 'DatabaseCredentialsMissing: Secret demo-db is gone — restore it',
  },
  {
    name: 'the referenced realm does not exist',
    object: (kind) => reconciled(kind, observed(1, { error: { reason: 'IdentityRealmNotFound', message: 'no IdentityRealm corp' } })),
    status: 'Missing',
    message: 'IdentityRealmNotFound: no IdentityRealm corp',
  },
  {
    name: 'a hash pepper only a backup can restore is gone',
    object: (kind) => reconciled(kind, observed(1, { error: { reason: 'PepperMissing', message: 'Secret demo-identity-idp-pepper is gone' } })),
    status: 'Missing',
    message: 'PepperMissing: Secret demo-identity-idp-pepper is gone',
  },
  {
    name: 'Ready=False with nothing progressing and no Degraded condition',
    object: (kind) => resource(kind, 1, { observedGeneration: 1, conditions: [stamped('Ready', 'False', 'NotAvailable', 'stopped')] }),
    status: 'Degraded',
    message: 'NotAvailable: stopped',
  },
  { name: 'an empty list of conditions', object: (kind) => resource(kind, 1, { observedGeneration: 1, conditions: [] }), status: 'Progressing', message: 'waiting for the operator to report Ready' },
];

describe('Argo CD health checks (docs/gitops/argocd-cm-health.yaml), run with lua5.4', () => {
  it('the committed argocd-cm is what operator/gitops/health.ts generates (regenerate with UPDATE_GITOPS=1)', async () => {
    if (process.env.UPDATE_GITOPS === '1') await writeFile(generated, argocdHealthConfigMap());
    expect(await readFile(generated, 'utf8')).to.equal(argocdHealthConfigMap());
  });

  it('has one health check per kind, under the key Argo CD looks up, with the same script', async () => {
    const configMap = parse(await readFile(generated, 'utf8')) as { metadata: { name: string; namespace: string }; data: Record<string, string> };
    expect(configMap.metadata).to.include({ name: 'argocd-cm', namespace: 'argocd' });
    expect(Object.keys(configMap.data).sort()).to.deep.equal(KINDS.map((definition) => `resource.customizations.health.cryptoutil.io_${definition.kind}`).sort());
    for (const definition of KINDS) expect(configMap.data[healthKey(definition.kind)]).to.equal(healthLua());
  });

  for (const definition of KINDS) {
    it(`${definition.kind}: Healthy, Progressing, Degraded and Missing as the operator's conditions say`, async () => {
      for (const entry of CASES) {
        const verdict = await evaluate(healthLua(), entry.object(definition.kind));
        expect(verdict, `${definition.kind}, ${entry.name}`).to.deep.equal({ status: entry.status, message: entry.message });
      }
    });
  }

  it('counts every reason in MISSING_REASONS as Missing, and only reasons the operator raises', async () => {
    const sources = await readdir(join(root, 'operator', 'controllers'));
    const code = (await Promise.all(sources.filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts')).map((file) => readFile(join(root, 'operator', 'controllers', file), 'utf8')))).join('\n');
    for (const reason of MISSING_REASONS) {
      expect(code, reason).to.include(`new ReconcileProblem('${reason}'`);
      const verdict = await evaluate(healthLua(), reconciled('PetStore', observed(1, { error: { reason, message: 'gone' } })));
      expect(verdict, reason).to.deep.equal({ status: 'Missing', message: `${reason}: gone` });
    }
  });

  it('docs/gitops/README.md shows the exact snippet: the generated file, applied as a patch', async () => {
    const readme = await readFile(join(root, 'docs', 'gitops', 'README.md'), 'utf8');
    expect(readme).to.include('docs/gitops/argocd-cm-health.yaml');
    for (const line of healthLua().split('\n').filter((text) => text.trim() !== '')) expect(readme).to.include(line);
  });
});
