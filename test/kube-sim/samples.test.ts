import { expect } from 'chai';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KINDS } from '../../operator/api/kinds.ts';
import { Api } from './api.ts';
import type { KObject } from './objects.ts';
import { DEFAULT_CRDS, loadCrds } from './server.ts';

const samples = join(import.meta.dirname, '..', '..', 'kind', 'samples');

describe('kind/samples (DESIGN "Contract for checks")', () => {
  it('holds one sample per kind, named after the kind in lower case, and the cert-manager issuer apart', async () => {
    const entries = await readdir(samples, { withFileTypes: true });
    expect(entries.filter((entry) => entry.isFile()).map((entry) => entry.name).sort()).to.deep.equal(KINDS.map((kind) => `${kind.kind.toLowerCase()}.yaml`).sort());
    expect(entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name)).to.deep.equal(['cert-manager']);
    const issuer = parse(await readFile(join(samples, 'cert-manager', 'clusterissuer.yaml'), 'utf8')) as { kind: string; spec: { acme: { server: string } } };
    const ca = parse(await readFile(join(samples, 'certificateauthority.yaml'), 'utf8')) as { metadata: { name: string; namespace: string }; spec: { acme: boolean } };
    expect(issuer.kind).to.equal('ClusterIssuer');
    expect(ca.spec.acme).to.equal(true);
    expect(issuer.spec.acme.server).to.equal(`https://${ca.metadata.name}-pki-ca.${ca.metadata.namespace}.svc:8380/acme/default/directory`);
  });

  for (const definition of KINDS) {
    it(`${definition.kind.toLowerCase()}.yaml is demo in default and valid against its CRD`, async () => {
      const api = new Api();
      await loadCrds(api, DEFAULT_CRDS);
      const sample = parse(await readFile(join(samples, `${definition.kind.toLowerCase()}.yaml`), 'utf8')) as KObject;
      expect(sample.kind).to.equal(definition.kind);
      expect(sample.metadata).to.include({ name: 'demo', namespace: 'default' });
      const type = api.type('cryptoutil.io', 'v1alpha1', definition.plural);
      const created = api.create(type, 'default', sample, 'test');
      expect((created.spec as { replicas: number }).replicas).to.equal(1);
      // Issue 12 point 8: every sample names the issuer its service trusts; a realm's services
      // trust the realm itself (status.issuer: spec.issuer or its identity-authz Service).
      const spec = created.spec as { auth?: { issuer?: string } };
      if (definition.kind === 'IdentityRealm') expect(spec.auth).to.equal(undefined);
      else expect(spec.auth?.issuer).to.match(/^https:\/\//u);
      api.close();
    });
  }

  it('an IdentityRealm keeps status.issuer, which spec.auth.identityRealmRef resolves to (not pruned)', async () => {
    const api = new Api();
    await loadCrds(api, DEFAULT_CRDS);
    const type = api.type('cryptoutil.io', 'v1alpha1', 'identityrealms');
    const realm = api.create(type, 'default', parse(await readFile(join(samples, 'identityrealm.yaml'), 'utf8')) as KObject, 'test');
    const status = { issuer: 'https://login.example.org', consoleUrl: 'https://console.example.org', unknownField: 'pruned' };
    const written = api.update(type, 'default', 'demo', { ...realm, status }, 'status', 'test');
    expect(written.status).to.deep.equal({ issuer: 'https://login.example.org', consoleUrl: 'https://console.example.org' });
    api.close();
  });

  it('spec.auth takes exactly one of issuer and identityRealmRef (CEL rule of every kind)', async () => {
    const api = new Api();
    await loadCrds(api, DEFAULT_CRDS);
    const type = api.type('cryptoutil.io', 'v1alpha1', 'petstores');
    const withAuth = (name: string, auth: unknown): KObject => ({ apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', metadata: { name, namespace: 'default' }, spec: { auth } }) as unknown as KObject;
    expect(() => api.create(type, 'default', withAuth('both', { issuer: 'https://a.example', identityRealmRef: { name: 'demo' } }), 'test')).to.throw('auth needs exactly one of issuer and identityRealmRef');
    expect(() => api.create(type, 'default', withAuth('plain', { issuer: 'http://a.example' }), 'test')).to.throw('spec.auth.issuer');
    expect(api.create(type, 'default', withAuth('realm', { identityRealmRef: { name: 'demo' } }), 'test').spec).to.have.nested.property('auth.identityRealmRef.name', 'demo');
    api.close();
  });
});
