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
  it('holds one sample per kind, named after the kind in lower case', async () => {
    expect((await readdir(samples)).sort()).to.deep.equal(KINDS.map((kind) => `${kind.kind.toLowerCase()}.yaml`).sort());
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
      api.close();
    });
  }
});
