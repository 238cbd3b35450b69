import { expect } from 'chai';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { crdFileName, crdYaml, customResourceDefinition } from './crd.ts';
import * as api from './index.ts';
import { KINDS, type KmsInstanceSpec, type PetStoreSpec } from './kinds.ts';
import { array, integer, object, oneOf, record, string, type Infer } from './schema.ts';

const root = join(import.meta.dirname, '..', '..');
const crdsDir = join(root, 'crds');
const chartCrdsDir = join(root, 'charts', 'cryptoutil-operator', 'templates', 'crds');

/**
 * The chart's template of one CRD: Helm never upgrades files in a chart's crds/, so the chart renders
 * the CRDs as templates (upgraded with the release) behind `crds.install`, and keeps them on uninstall
 * (`helm.sh/resource-policy: keep`): deleting a CRD deletes every resource of its kind. Argo CD
 * applies them in sync wave -1, before the operator (wave 0) and any custom resource (wave 1).
 */
const CHART_CRD_ANNOTATIONS = { 'helm.sh/resource-policy': 'keep', 'argocd.argoproj.io/sync-wave': '-1' };

function chartCrdTemplate(definition: (typeof KINDS)[number]): string {
  const crd = customResourceDefinition(definition) as { metadata: Record<string, unknown> };
  crd.metadata.annotations = { ...CHART_CRD_ANNOTATIONS };
  const header = '{{- /* Generated from operator/api by `UPDATE_CRDS=1 npx mocha operator/api/crd.test.ts`. Do not edit. */}}\n';
  return `${header}{{- if .Values.crds.install }}\n${stringify(crd, { lineWidth: 0 })}{{- end }}\n`;
}

describe('CRDs in crds/ (regenerate with UPDATE_CRDS=1)', () => {
  it('match the schemas in operator/api, one file per kind', async () => {
    for (const definition of KINDS) {
      const expected = crdYaml(definition);
      const file = crdFileName(definition);
      if (process.env.UPDATE_CRDS === '1') {
        await writeFile(join(crdsDir, file), expected);
        await writeFile(join(chartCrdsDir, file), chartCrdTemplate(definition));
      }
      expect(await readFile(join(crdsDir, file), 'utf8'), file).to.equal(expected);
    }
    expect((await readdir(crdsDir)).sort()).to.deep.equal(KINDS.map(crdFileName).sort());
  });

  it('are in the chart as templates behind crds.install, kept on uninstall, in Argo CD sync wave -1, otherwise the same objects', async () => {
    expect((await readdir(chartCrdsDir)).sort()).to.deep.equal(KINDS.map(crdFileName).sort());
    for (const definition of KINDS) {
      const file = crdFileName(definition);
      const text = await readFile(join(chartCrdsDir, file), 'utf8');
      expect(text, file).to.equal(chartCrdTemplate(definition));
      // The template's object is the file in crds/ with two annotations more.
      const body = text.split('\n').filter((line) => !line.startsWith('{{')).join('\n');
      const fromChart = parse(body) as { metadata: { annotations?: unknown } };
      expect(fromChart.metadata.annotations, file).to.deep.equal(CHART_CRD_ANNOTATIONS);
      delete fromChart.metadata.annotations;
      expect(fromChart, file).to.deep.equal(parse(await readFile(join(crdsDir, file), 'utf8')));
    }
  });
});

describe('CustomResourceDefinition of each kind', () => {
  for (const definition of KINDS) {
    it(`${definition.kind}: status and scale subresources, Ready and Age columns, replicas default 1 minimum 1, spec.auth`, () => {
      const crd = customResourceDefinition(definition) as {
        spec: { versions: { subresources: unknown; additionalPrinterColumns: { name: string }[]; schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }[] };
      };
      const [version] = crd.spec.versions;
      expect(version?.subresources).to.deep.equal({ status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.readyReplicas' } });
      const names = version?.additionalPrinterColumns.map((column) => column.name);
      expect(names).to.include.members(['Ready', 'Age']);
      const spec = version?.schema.openAPIV3Schema.properties.spec.properties;
      expect(spec?.replicas).to.deep.equal({ type: 'integer', description: 'Pods of the service.', minimum: 1, default: 1 });
      expect(spec?.deletionPolicy).to.have.property('default', 'Retain');
      expect(spec?.auth).to.have.nested.property('properties.issuer.pattern', '^https://[^\\s]+$');
      expect(spec?.auth).to.have.nested.property('properties.identityRealmRef.required').that.deep.equals(['name']);
    });
  }
});

describe('status of each kind (DESIGN "Contract for checks")', () => {
  const statusOf = (kind: string): Record<string, unknown> => {
    const definition = KINDS.find((entry) => entry.kind === kind);
    return definition?.status.properties ?? {};
  };

  it('every kind has the common fields; IdentityRealm, CertificateAuthority and JwkAuthority add their own', () => {
    for (const definition of KINDS) expect(definition.status.properties, definition.kind).to.include.keys('observedGeneration', 'readyReplicas', 'endpoint', 'conditions');
    expect(statusOf('IdentityRealm')).to.include.keys('issuer', 'consoleUrl');
    expect(statusOf('CertificateAuthority')).to.include.keys('fingerprintSha256', 'notAfter', 'acmeDirectory');
    expect(statusOf('JwkAuthority')).to.have.nested.property('jwksUrls.items.type', 'string');
    expect(Object.keys(statusOf('PetStore')).sort()).to.deep.equal(['conditions', 'endpoint', 'observedGeneration', 'readyReplicas']);
  });
});

describe('schema builder', () => {
  it('infers the TypeScript type the JSON schema describes', () => {
    const pet = object(
      { name: string(), kind: oneOf(['cat', 'dog']), tags: array(string()), labels: record(integer()) },
      { required: ['name'] },
    );
    const value: Infer<typeof pet> = { name: 'rex', kind: 'dog', tags: ['a'], labels: { a: 1 } };
    expect(value.name).to.equal('rex');
    expect(pet.json.required).to.deep.equal(['name']);
    expect(pet.json.properties?.kind?.enum).to.deep.equal(['cat', 'dog']);
  });

  it('leaves out empty required lists and undefined options', () => {
    expect(object({ a: string() }, { required: [] }).json).to.deep.equal({ type: 'object', properties: { a: { type: 'string' } } });
    expect(array(string(), { maxItems: 2, listType: 'set' }).json).to.deep.equal({
      type: 'array',
      items: { type: 'string' },
      maxItems: 2,
      'x-kubernetes-list-type': 'set',
    });
  });

  it('exports the API from one entry point', () => {
    const resource: api.CryptoutilResource = { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name: 'demo' }, spec: { replicas: 1 } };
    expect(resource.kind).to.equal('PetStore');
    expect(api.KINDS.map((kind) => kind.kind)).to.deep.equal(['KmsInstance', 'CertificateAuthority', 'IdentityRealm', 'PetStore', 'JwkAuthority']);
    expect(api.KINDS.map(api.crdFileName)[0]).to.equal(`kmsinstances.${api.API_GROUP}.yaml`);
  });

  it('types the specs of the kinds from their schemas', () => {
    const pet: PetStoreSpec = { replicas: 2, database: { external: { secretRef: { name: 'db' } } } };
    const kms: KmsInstanceSpec = { barrier: { shares: 5, threshold: 3 }, deletionPolicy: 'Delete' };
    expect(pet.replicas).to.equal(2);
    expect(kms.barrier?.threshold).to.equal(3);
  });
});
