import { expect } from 'chai';
import { Api } from './api.ts';
import { apiErrorOf } from './api-error.ts';
import type { Cause, KObject } from './objects.ts';
import { DEFAULT_CRDS, loadCrds } from './server.ts';

type Spec = Record<string, unknown>;

function jwkAuthority(name: string, spec: Spec): KObject {
  return { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'JwkAuthority', metadata: { name }, spec: { auth: { issuer: 'https://issuer.test' }, ...spec } } as unknown as KObject;
}

describe('JwkAuthority CRD spec.keySets, as the API server admits it', () => {
  let api: Api;
  const type = () => api.type('cryptoutil.io', 'v1alpha1', 'jwkauthorities');
  const create = (spec: Spec, name = 'demo') => api.create(type(), 'default', jwkAuthority(name, spec), 'test');
  const causes = (spec: Spec) => (apiErrorOf(() => create(spec)).details?.causes ?? []) as unknown as Cause[];

  beforeEach(async () => {
    api = new Api();
    await loadCrds(api, DEFAULT_CRDS);
  });
  afterEach(() => {
    api.close();
  });

  it('defaults use sig, rotationDays 90 and retentionDays 7, and keeps the default signingAlgorithm', () => {
    const created = create({ keySets: [{ name: 'tokens', alg: 'ES256' }, { name: 'inbox', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 60 }] });
    expect(created.spec).to.deep.include({
      signingAlgorithm: 'ES256',
      rotationDays: 90,
      keySets: [
        { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 },
        { name: 'inbox', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 60 },
      ],
    });
  });

  it('refuses two key sets of one name (x-kubernetes-list-type map, key name) with a Duplicate cause', () => {
    const error = apiErrorOf(() => create({ keySets: [{ name: 'tokens', alg: 'ES256' }, { name: 'other', alg: 'PS256' }, { name: 'tokens', alg: 'EdDSA' }] }));
    expect(error.code).to.equal(422);
    expect(error.details?.causes).to.deep.equal([{ reason: 'FieldValueDuplicate', field: 'spec.keySets[2]', message: 'Duplicate value: map[string]interface {}{"name":"tokens"}' }]);
  });

  it('refuses symmetric and unknown algorithms: a JWKS publishes public keys only', () => {
    for (const alg of ['HS256', 'A256GCM/A256KW', 'A256GCM/dir', 'ES999']) {
      const [cause] = causes({ keySets: [{ name: 'tokens', alg }] });
      expect(cause, alg).to.deep.include({ reason: 'FieldValueNotSupported', field: 'spec.keySets[0].alg' });
      expect(cause?.message, alg).to.match(new RegExp(`^Unsupported value: "${alg}": supported values: "RS256", .*"EdDSA", "A128GCM/RSA-OAEP", `, 'u'));
    }
    expect(causes({ signingAlgorithm: 'HS256' })[0]).to.deep.include({ reason: 'FieldValueNotSupported', field: 'spec.signingAlgorithm' });
  });

  it('refuses an alg whose use differs from the set\'s use (CEL rule on each item)', () => {
    const mismatch = 'Invalid value: "object": alg must be a JWS algorithm when use is sig and a JWE enc/alg pair when use is enc';
    expect(causes({ keySets: [{ name: 'ok', alg: 'ES256' }, { name: 'tokens', use: 'enc', alg: 'ES256' }] })).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'spec.keySets[1]', message: mismatch }]);
    expect(causes({ keySets: [{ name: 'inbox', alg: 'A256GCM/RSA-OAEP-256' }] })).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'spec.keySets[0]', message: mismatch }]);
  });

  it('refuses names that are no DNS label, periods out of 1–3650, a missing alg, and more than 20 sets', () => {
    const fields = (spec: Spec) => causes(spec).map((cause) => `${cause.field ?? ''} ${cause.reason}`);
    expect(fields({ keySets: [{ name: 'Tokens', alg: 'ES256' }, { name: '-a', alg: 'ES256' }, { name: 'a'.repeat(64), alg: 'ES256' }] })).to.deep.equal([
      'spec.keySets[0].name FieldValueInvalid',
      'spec.keySets[1].name FieldValueInvalid',
      'spec.keySets[2].name FieldValueTooLong',
      'spec.keySets[2].name FieldValueInvalid',
    ]);
    expect(fields({ keySets: [{ name: 'a', alg: 'ES256', rotationDays: 0, retentionDays: 3651 }] })).to.deep.equal(['spec.keySets[0].rotationDays FieldValueInvalid', 'spec.keySets[0].retentionDays FieldValueInvalid']);
    expect(fields({ keySets: [{ name: 'a' }] })).to.deep.equal(['spec.keySets[0].alg FieldValueRequired']);
    const many = Array.from({ length: 21 }, (_unused, index) => ({ name: `set-${String(index)}`, alg: 'ES256' }));
    expect(fields({ keySets: many })).to.deep.equal(['spec.keySets FieldValueTooMany']);
  });

  it('takes a key set added on update, and refuses another use or alg for a set of the same name (transition rule on the correlated item)', () => {
    const created = create({ keySets: [{ name: 'tokens', alg: 'ES256' }] });
    const update = (keySets: Spec[]) => api.update(type(), 'default', 'demo', { ...created, metadata: { ...created.metadata, resourceVersion: '' }, spec: { ...(created.spec as Spec), keySets } }, 'main', 'test');
    const updated = update([{ name: 'inbox', use: 'enc', alg: 'A128GCM/RSA-OAEP' }, { name: 'tokens', alg: 'ES256', rotationDays: 30 }]);
    expect(updated.metadata.generation).to.equal(2);
    expect((updated.spec as { keySets: unknown[] }).keySets).to.have.length(2);
    const error = apiErrorOf(() => update([{ name: 'tokens', alg: 'ES384' }]));
    expect(error.details?.causes).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'spec.keySets[0]', message: 'Invalid value: "object": use and alg of a key set cannot change; declare a set of another name' }]);
    // Removing a set and adding another of a new name is no transition of either.
    expect(update([{ name: 'tokens-2', alg: 'ES384' }]).metadata.generation).to.equal(3);
  });
});
