import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { startKubeSim } from '../test/kube-sim/server.ts';
import type { KubeSim } from '../test/kube-sim/server.ts';
import type { RunningOperator } from './main.ts';
import { operatorOnSim } from './testing/sim-operator.ts';
import { asAdmin, until, type Json } from './testing/sim-client.ts';

const JWKAUTHORITIES = '/apis/cryptoutil.io/v1alpha1/namespaces/default/jwkauthorities';
const MERGE = 'application/merge-patch+json';
const BASE = 'https://demo-jose-ja.default.svc:8280';
const url = (set: string): string => `${BASE}/jwks/${set}/.well-known/jwks.json`;
const JWKS = Buffer.from(JSON.stringify({ keys: [{ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'k1', use: 'sig', alg: 'EdDSA' }] }));

function condition(resource: Json, type: string): Json | undefined {
  return ((resource.status as Json | undefined)?.conditions as Json[] | undefined)?.find((entry) => entry.type === type);
}

async function get(sim: KubeSim, path: string): Promise<Json> {
  return (await asAdmin(sim, 'GET', path)).body;
}

describe('JwkAuthority on kube-sim: the sample deploys jose-ja, declares its key sets and publishes their JWKS URLs', function () {
  this.timeout(30_000);
  let sim: KubeSim;
  let running: RunningOperator;
  /** The key sets the fake jose-ja serves a JWKS for; any other URL is refused as a starting service would. */
  const served = new Set<string>();
  const asked: string[] = [];

  before(async () => {
    sim = await startKubeSim();
    running = await operatorOnSim(sim, {
      identity: 'jwka',
      serviceFetch: (target) => {
        asked.push(target);
        return [...served].some((set) => target === url(set)) ? Promise.resolve(new Uint8Array(JWKS)) : Promise.reject(new Error(`${target} answered 503`));
      },
    });
  });

  after(async () => {
    await running.stop('test done');
    await sim.stop();
  });

  it('is not Ready and has no jwksUrls until every declared set answers, then lists them all', async () => {
    const sample = parse(await readFile(join(import.meta.dirname, '..', 'kind', 'samples', 'jwkauthority.yaml'), 'utf8')) as Json;
    expect((await asAdmin(sim, 'POST', JWKAUTHORITIES, sample)).status).to.equal(201);
    served.add('tokens');
    const waiting = await until('Ready to wait for the JWKS', async () => {
      const resource = await get(sim, `${JWKAUTHORITIES}/demo`);
      return condition(resource, 'Ready')?.message === 'waiting for the service to publish the JWKS of every declared key set' ? resource : undefined;
    });
    expect(asked).to.include.members([url('tokens'), url('inbox')]);
    expect(waiting.status).to.not.have.property('jwksUrls');
    expect(condition(waiting, 'Ready')).to.deep.include({ status: 'False', reason: 'NotAvailable' });
    const config = parse(String(((await get(sim, '/api/v1/namespaces/default/configmaps/demo-jose-ja-config')).data as Json)['config.yml'])) as Json;
    expect((config.jose as Json).keySets).to.deep.equal([
      { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 },
      { name: 'inbox', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 30 },
    ]);
    expect((await get(sim, '/api/v1/namespaces/default/secrets/demo-jose-ja-unseal-1')).data).to.have.keys('share', 'keyCheck');
    served.add('inbox');
    const ready = await until('Ready', async () => {
      const resource = await get(sim, `${JWKAUTHORITIES}/demo`);
      return condition(resource, 'Ready')?.status === 'True' ? resource : undefined;
    });
    expect((ready.status as Json).jwksUrls).to.deep.equal([url('tokens'), url('inbox')]);
  });

  it('rolls jose-ja when a key set is added and publishes its URL once it answers', async () => {
    const deployment = '/apis/apps/v1/namespaces/default/deployments/demo-jose-ja';
    const digest = async (): Promise<unknown> => (((((await get(sim, deployment)).spec as Json).template as Json).metadata as Json).annotations as Json)['cryptoutil.io/config-digest'];
    const before = await digest();
    const patch = { spec: { keySets: [{ name: 'tokens', use: 'sig', alg: 'ES256' }, { name: 'inbox', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', retentionDays: 30, rotationDays: 30 }, { name: 'partners', alg: 'PS256' }] } };
    expect((await asAdmin(sim, 'PATCH', `${JWKAUTHORITIES}/demo`, patch, MERGE)).status).to.equal(200);
    await until('the new config digest', async () => ((await digest()) === before ? undefined : true));
    const waiting = await until('Ready False for generation 2', async () => {
      const resource = await get(sim, `${JWKAUTHORITIES}/demo`);
      const found = condition(resource, 'Ready');
      return found?.observedGeneration === 2 && found.status === 'False' ? resource : undefined;
    });
    expect((waiting.status as Json).jwksUrls).to.deep.equal([url('tokens'), url('inbox')]);
    served.add('partners');
    const ready = await until('Ready for generation 2', async () => {
      const resource = await get(sim, `${JWKAUTHORITIES}/demo`);
      const found = condition(resource, 'Ready');
      return found?.observedGeneration === 2 && found.status === 'True' ? resource : undefined;
    });
    expect((ready.status as Json).jwksUrls).to.deep.equal([url('tokens'), url('inbox'), url('partners')]);
  });

  it('refuses a second set of the same name at the API server, changing nothing', async () => {
    const patch = { spec: { keySets: [{ name: 'tokens', alg: 'ES256' }, { name: 'tokens', alg: 'ES384' }] } };
    const answer = await asAdmin(sim, 'PATCH', `${JWKAUTHORITIES}/demo`, patch, MERGE);
    expect(answer.status).to.equal(422);
    expect(answer.body.message).to.include('spec.keySets[1]: Duplicate value');
    expect(((await get(sim, `${JWKAUTHORITIES}/demo`)).metadata as Json).generation).to.equal(2);
  });
});
