import { expect } from 'chai';
import { parse } from 'yaml';
import { kindRow } from '../kinds.ts';
import { jwkAuthority, withJwkSpec, withKeySets } from '../testing/fixtures.ts';
import { configDigest, configMap } from './config.ts';
import { desiredChildren } from './desired.ts';
import { DEFAULT_KEY_SET, declaredKeySets, joseServiceConfig, jwksUrl } from './jwks.ts';
import { childNames } from './names.ts';

const row = kindRow('JwkAuthority');
const tokens = { name: 'tokens', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 } as const;
const inbox = { name: 'inbox', use: 'enc', alg: 'A256GCM/ECDH-ES+A256KW', rotationDays: 30, retentionDays: 60 } as const;

function config(resource: ReturnType<typeof jwkAuthority>): Record<string, unknown> {
  return parse(String((configMap(resource, row, 'https://issuer.test').data as Record<string, string>)['config.yml'])) as Record<string, unknown>;
}

describe('JwkAuthority children', () => {
  it('declares one sig set "default" from signingAlgorithm and rotationDays when spec.keySets is absent or empty', () => {
    const expected = [{ name: DEFAULT_KEY_SET, use: 'sig', alg: 'PS256', rotationDays: 30, retentionDays: 7 }];
    expect(declaredKeySets(jwkAuthority('demo', withJwkSpec({ signingAlgorithm: 'PS256', rotationDays: 30 })))).to.deep.equal(expected);
    expect(declaredKeySets(jwkAuthority('demo', withJwkSpec({ signingAlgorithm: 'PS256', rotationDays: 30 }), withKeySets([])))).to.deep.equal(expected);
    expect(joseServiceConfig(jwkAuthority('demo'))).to.deep.equal({ jose: { keySets: [{ name: 'default', use: 'sig', alg: 'ES256', rotationDays: 90, retentionDays: 7 }] } });
  });

  it('renders spec.keySets as jose.keySets in config.yml, in spec order and with nothing else of the item', () => {
    const resource = jwkAuthority('demo', withKeySets([{ ...tokens, extra: 'dropped' }, inbox]));
    expect(config(resource)).to.deep.include({ jose: { keySets: [tokens, inbox] } });
    expect(config(resource)).to.have.nested.property('public.port', 8280);
  });

  it('runs jose-ja under its barrier: share Secrets <name>-jose-ja-unseal-<i> projected, shares and keyCheck in the config', () => {
    const resource = jwkAuthority('demo');
    expect(childNames(resource)).to.deep.include({ workload: 'demo-jose-ja', unseal: 'demo-jose-ja-unseal', tls: 'demo-jose-ja-tls' });
    expect(config(resource)).to.have.nested.property('barrier.threshold', 3);
    expect(config(resource)).to.have.nested.property('barrier.keyCheck', 'file:///etc/cryptoutil/unseal/keyCheck');
    const deployment = desiredChildren(resource, row, { service: 'cryptoutil:dev', postgres: 'postgres:17-alpine' }, 'https://issuer.test').find((child) => child.kind === 'Deployment');
    expect(deployment).to.have.nested.property('spec.template.spec.containers[0].args').that.deep.equals(['jose-ja', 'start', '--config', '/etc/cryptoutil/config/config.yml']);
    const projected = (deployment?.spec as { template: { spec: { volumes: { name: string; projected?: { sources: { secret: { name: string } }[] } }[] } } } | undefined)?.template.spec.volumes.find((volume) => volume.name === 'unseal')?.projected;
    expect(projected?.sources.map((source) => source.secret.name)).to.deep.equal(['demo-jose-ja-unseal-1', 'demo-jose-ja-unseal-2', 'demo-jose-ja-unseal-3']);
  });

  it('rolls the pods when a key set is added or its periods change (config digest)', () => {
    const one = configDigest(jwkAuthority('demo', withKeySets([tokens])), row, 'https://issuer.test');
    const two = configDigest(jwkAuthority('demo', withKeySets([tokens, inbox])), row, 'https://issuer.test');
    const longer = configDigest(jwkAuthority('demo', withKeySets([{ ...tokens, retentionDays: 14 }])), row, 'https://issuer.test');
    expect(new Set([one, two, longer]).size).to.equal(3);
  });

  it('names the unauthenticated JWKS of a set under the service URL', () => {
    expect(jwksUrl('https://demo-jose-ja.default.svc:8280', 'tokens')).to.equal('https://demo-jose-ja.default.svc:8280/jwks/tokens/.well-known/jwks.json');
  });
});
