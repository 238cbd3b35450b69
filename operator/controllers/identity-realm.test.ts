import { expect } from 'chai';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkAuthzConfig, type AuthzConfig } from '../../services/identity-authz/config.ts';
import { checkIdpConfig, type IdpConfig } from '../../services/identity-idp/config.ts';
import { checkRpConfig, type RpConfig } from '../../services/identity-rp/config.ts';
import { checkSpaConfig, type SpaConfig } from '../../services/identity-spa/config.ts';
import { services } from '../../services/registry.ts';
import { loadServiceConfig } from '../../services/template/cli/service-config.ts';
import { MOUNTS } from '../children/config.ts';
import { API_VERSION, kindRow } from '../kinds.ts';
import { spaServiceConfig } from '../children/realm.ts';
import type { Condition, KubeObject, ServiceResource } from '../resources/types.ts';
import { MemoryApi } from '../testing/memory-api.ts';
import { dig, digAll } from '../testing/dig.ts';
import { identityRealm, petStore, withAuth, withDeletionPolicy, withExternalDatabase, withRealmSpec } from '../testing/fixtures.ts';
import { RETAINED_SECRETS_FINALIZER, serviceReconciler } from './reconciler.ts';
import { ReconcileProblem } from './problem.ts';
import type { ContentSync } from '../realm-content/index.ts';

const images = { service: 'ghcr.io/cryptoutil/cryptoutil:test', postgres: 'postgres:17-alpine' };
const AUTHZ_URL = 'https://demo-identity-authz.default.svc:8180';
const IDP_URL = 'https://demo-identity-idp.default.svc:8181';
const RS_URL = 'https://demo-identity-rs.default.svc:8182';
const RP_URL = 'https://demo-identity-rp.default.svc:8183';
const SPA_URL = 'https://demo-identity-spa.default.svc:8184';
const ALL = { idp: true, rs: true, rp: true, spa: true } as const;
const SHARES = [1, 2, 3, 4, 5].map((index) => `demo-identity-unseal-${String(index)}`);

/** The parsed config.yml of a workload's ConfigMap. */
function configOf(api: MemoryApi, workload: string): Record<string, unknown> {
  const data = api.find('v1', 'ConfigMap', `${workload}-config`)?.data as Record<string, string> | undefined;
  return parse(data?.['config.yml'] ?? '') as Record<string, unknown>;
}

describe('IdentityRealm controller', () => {
  function harness(resource: ServiceResource, api = new MemoryApi()) {
    api.put(resource);
    const reconciler = serviceReconciler(kindRow('IdentityRealm'), { api, images, now: () => new Date('2026-03-01T10:00:00Z') });
    const ref = { apiVersion: API_VERSION, kind: 'IdentityRealm', namespace: 'default', name: resource.metadata.name };
    const current = (): ServiceResource | undefined => api.find(API_VERSION, 'IdentityRealm', resource.metadata.name) as ServiceResource | undefined;
    const condition = (type: string): Condition | undefined => current()?.status?.conditions?.find((item) => item.type === type);
    return {
      api,
      ref,
      reconcile: () => reconciler.reconcile(ref),
      current,
      status: () => current()?.status as (Record<string, unknown> & { conditions?: Condition[] }) | undefined,
      condition,
      config: (service: string): Record<string, unknown> => configOf(api, `demo-${service}`),
      volumes: (service: string): unknown[] => digAll(api.find('apps/v1', 'Deployment', `demo-${service}`), 'spec.template.spec.volumes', 'name'),
      running: (...services: string[]) => {
        for (const service of services) {
          api.setReady('apps/v1', 'StatefulSet', `demo-${service}-postgres`, 1);
          api.setReady('apps/v1', 'Deployment', `demo-${service}`, 1);
        }
      },
      secret: (name: string): KubeObject | undefined => api.find('v1', 'Secret', name),
      text: (name: string, key: string): string => Buffer.from((api.find('v1', 'Secret', name)?.data as Record<string, string> | undefined)?.[key] ?? '', 'base64').toString('utf8'),
    };
  }

  it('deploys identity-authz and identity-idp, each with Deployment, Service, ConfigMap, PostgreSQL, TLS and pepper, and nothing for rs, rp or spa', async () => {
    const h = harness(identityRealm('demo'));
    await h.reconcile();
    for (const service of ['identity-authz', 'identity-idp']) {
      for (const [apiVersion, kind, name] of [
        ['apps/v1', 'Deployment', `demo-${service}`], ['v1', 'Service', `demo-${service}`], ['v1', 'ConfigMap', `demo-${service}-config`],
        ['apps/v1', 'StatefulSet', `demo-${service}-postgres`], ['v1', 'Secret', `demo-${service}-postgres`], ['v1', 'Secret', `demo-${service}-tls`], ['v1', 'Secret', `demo-${service}-pepper`],
        ['policy/v1', 'PodDisruptionBudget', `demo-${service}`], ['networking.k8s.io/v1', 'NetworkPolicy', `demo-${service}`],
      ] as const) {
        const child = h.api.find(apiVersion, kind, name);
        expect(child, `${kind} ${name}`).to.not.equal(undefined);
        expect(child?.metadata.labels, `${kind} ${name}`).to.deep.include({ 'app.kubernetes.io/name': service, 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/managed-by': 'cryptoutil-operator' });
      }
      expect(h.volumes(service)).to.include.members(['pepper', 'unseal']);
    }
    expect(h.api.find('apps/v1', 'Deployment', 'demo-identity-authz')).to.have.nested.property('spec.template.spec.containers[0].ports[0].containerPort', 8180);
    expect(h.api.find('apps/v1', 'Deployment', 'demo-identity-idp')).to.have.nested.property('spec.template.spec.containers[0].args[0]', 'identity-idp');
    expect(h.api.list('Deployment').map((deployment) => deployment.metadata.name).sort()).to.deep.equal(['demo-identity-authz', 'demo-identity-idp']);
    // The realm is owner of what it applies; the pepper and unseal Secrets outlive it like other kinds' shares.
    expect(h.api.find('v1', 'Service', 'demo-identity-idp')?.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'IdentityRealm', name: 'demo', controller: true });
    expect(h.secret('demo-identity-idp-pepper')?.metadata.ownerReferences).to.equal(undefined);
  });

  it('splits one unseal key for the realm, mounted by identity-authz and identity-idp alike, and a pepper per service', async () => {
    const h = harness(identityRealm('demo'));
    await h.reconcile();
    for (const name of SHARES) expect(h.secret(name), name).to.not.equal(undefined);
    expect(h.api.list('Secret').filter((secret) => secret.metadata.name.includes('unseal'))).to.have.length(5);
    const keyCheck = h.status()?.barrier as { keyCheck: string } | undefined;
    expect(keyCheck?.keyCheck).to.match(/^kcv1:/u);
    for (const service of ['identity-authz', 'identity-idp']) {
      const projected = digAll(h.api.find('apps/v1', 'Deployment', `demo-${service}`), 'spec.template.spec.volumes').find((volume) => dig(volume, 'name') === 'unseal');
      expect(digAll(projected, 'projected.sources', 'secret.name')).to.deep.equal(SHARES.slice(0, 3));
      expect(h.config(service)).to.deep.include({ hash: { pepper: 'file:///etc/cryptoutil/pepper/pepper' } });
    }
    const pepper = h.secret('demo-identity-authz-pepper')?.data;
    expect(pepper).to.not.deep.equal(h.secret('demo-identity-idp-pepper')?.data);
    await h.reconcile();
    expect(h.secret('demo-identity-authz-pepper')?.data, 'generated once').to.deep.equal(pepper);
  });

  it('sends logins from identity-authz to identity-idp, has every service trust the realm issuer, and has identity-authz read its own keys from itself', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ accessTokenTtlSeconds: 300 })));
    await h.reconcile();
    expect(h.config('identity-authz')).to.deep.include({ auth: { issuer: AUTHZ_URL, jwksUri: 'https://localhost:8180/jwks' }, authz: { issuer: AUTHZ_URL, idpUrl: IDP_URL, accessTokenTtlSeconds: 300, bootstrapClient: { id: 'cryptoutil-operator', secret: 'file:///etc/cryptoutil/operator-client/clientSecret' } } });
    expect(h.config('identity-idp')).to.deep.include({ auth: { issuer: AUTHZ_URL }, idp: { publicUrl: IDP_URL, mfa: { required: false, requiredGroups: [] } } });
    expect(h.status()).to.deep.include({ issuer: AUTHZ_URL, endpoint: AUTHZ_URL });
    expect(h.status()).to.not.have.property('consoleUrl');
  });

  it('gives identity-idp the realm\'s second-factor policy (spec.mfa)', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ mfa: { required: true, requiredGroups: ['operators', 'finance'] } })));
    await h.reconcile();
    expect(h.config('identity-idp')).to.deep.include({ idp: { publicUrl: IDP_URL, mfa: { required: true, requiredGroups: ['operators', 'finance'] } } });
  });

  it('deploys identity-rp with pepper, the realm\'s unseal key and its client secret, and identity-spa with none of them, and reports the console in status.consoleUrl', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ components: ALL })));
    await h.reconcile();
    expect(h.api.list('Deployment').map((deployment) => deployment.metadata.name).sort()).to.deep.equal(['demo-identity-authz', 'demo-identity-idp', 'demo-identity-rp', 'demo-identity-rs', 'demo-identity-spa']);
    expect(h.api.find('apps/v1', 'Deployment', 'demo-identity-rp')).to.have.nested.property('spec.template.spec.containers[0].ports[0].containerPort', 8183);
    expect(h.api.find('apps/v1', 'Deployment', 'demo-identity-spa')).to.have.nested.property('spec.template.spec.containers[0].ports[0].containerPort', 8184);
    expect(h.volumes('identity-rp')).to.include.members(['pepper', 'unseal', 'rp-client']);
    expect(h.volumes('identity-spa')).to.not.include.members(['pepper']);
    expect(h.volumes('identity-spa')).to.not.include.members(['unseal']);
    expect(h.volumes('identity-spa')).to.not.include.members(['rp-client']);
    expect(h.volumes('identity-authz')).to.include.members(['sign-in-clients']);
    expect(h.volumes('identity-authz')).to.not.include.members(['rp-client']);
    expect(h.secret('demo-identity-spa-pepper')).to.equal(undefined);
    // One unseal key for the realm: identity-rp mounts the same shares.
    expect(h.api.list('Secret').filter((secret) => secret.metadata.name.includes('unseal'))).to.have.length(5);
    // identity-authz loads its sign-in clients after its ConfigMap, in start and probes alike.
    const container = digAll(h.api.find('apps/v1', 'Deployment', 'demo-identity-authz'), 'spec.template.spec.containers')[0];
    for (const args of [dig(container, 'args'), dig(container, 'readinessProbe.exec.command')]) {
      expect((args as string[]).slice(-4)).to.deep.equal(['--config', '/etc/cryptoutil/config/config.yml', '--config', '/etc/cryptoutil/sign-in-clients/sign-in-clients.yml']);
    }
    expect(dig(h.api.find('apps/v1', 'Deployment', 'demo-identity-rp'), 'spec.template.spec.containers.0.args')).to.deep.equal(['identity-rp', 'start', '--config', '/etc/cryptoutil/config/config.yml']);
    expect(h.status()).to.deep.include({ issuer: AUTHZ_URL, consoleUrl: `${SPA_URL}/` });
    h.running('identity-authz', 'identity-idp', 'identity-rs', 'identity-rp', 'identity-spa');
    await h.reconcile();
    expect(h.condition('Ready')).to.deep.include({ status: 'True', reason: 'Available', message: '5/5 replicas ready' });
    expect(h.condition('Degraded')).to.deep.include({ status: 'False', reason: 'AsExpected' });
    expect(h.status()).to.deep.include({ consoleUrl: `${SPA_URL}/` });
  });

  it('configures identity-rp as client identity-rp of the realm for the realm\'s APIs, and identity-spa to talk to it', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ components: ALL })));
    await h.reconcile();
    expect(h.config('identity-rp')).to.deep.include({
      auth: { issuer: AUTHZ_URL },
      rp: {
        clientId: 'identity-rp',
        clientSecret: 'file:///etc/cryptoutil/rp-client/clientSecret',
        redirectUri: `${RP_URL}/bff/callback`,
        postLogoutRedirectUri: `${RP_URL}/`,
        scope: 'openid profile email authz:admin idp:admin rs:read rs:write',
        apis: {
          'identity-authz': { url: `${AUTHZ_URL}/browser/api/v1`, resource: 'urn:cryptoutil:identity-authz' },
          'identity-idp': { url: `${IDP_URL}/browser/api/v1`, resource: 'urn:cryptoutil:identity-idp' },
          'identity-rs': { url: `${RS_URL}/browser/api/v1`, resource: 'urn:cryptoutil:identity-rs' },
        },
        consoleOrigins: [SPA_URL],
      },
    });
    expect(h.config('identity-rp')).to.deep.include({ hash: { pepper: 'file:///etc/cryptoutil/pepper/pepper' } });
    expect(h.config('identity-spa')).to.deep.include({ auth: { issuer: AUTHZ_URL }, spa: { rpUrl: RP_URL, accountUrl: `${IDP_URL}/account` } });
    expect(h.config('identity-spa')).to.not.have.property('hash');
    expect(h.config('identity-spa')).to.not.have.property('barrier');
    // The ConfigMaps never hold the client secret: identity-authz's entry is in the Secret it mounts.
    expect(h.config('identity-authz')).to.not.have.nested.property('authz.signInClients');
    const file = parse(h.text('demo-sign-in-clients', 'sign-in-clients.yml')) as { authz: { signInClients: Record<string, unknown>[] } };
    expect(file.authz.signInClients).to.deep.equal([{
      id: 'identity-rp',
      redirectUris: [`${RP_URL}/bff/callback`],
      postLogoutRedirectUris: [`${RP_URL}/`, `${SPA_URL}/`],
      backchannelLogoutUri: `${RP_URL}/bff/backchannel-logout`,
      openidScopes: ['openid', 'profile', 'email'],
      resourceScopes: { 'urn:cryptoutil:identity-authz': ['authz:admin'], 'urn:cryptoutil:identity-idp': ['idp:admin'], 'urn:cryptoutil:identity-rs': ['rs:read', 'rs:write'] },
      secret: h.text('demo-rp-client', 'clientSecret'),
    }]);
    expect(h.text('demo-rp-client', 'clientSecret')).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(h.secret('demo-rp-client')?.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'IdentityRealm', name: 'demo', controller: true });
  });

  it('generates identity-rp\'s client secret once, and rewrites identity-authz\'s sign-in clients when the components change, rolling its pods', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ components: ALL })));
    await h.reconcile();
    const secret = h.text('demo-rp-client', 'clientSecret');
    const digest = (): unknown => (dig(h.api.find('apps/v1', 'Deployment', 'demo-identity-authz'), 'spec.template.metadata.annotations') as Record<string, string>)['cryptoutil.io/config-digest'];
    const before = digest();
    await h.reconcile();
    expect(h.text('demo-rp-client', 'clientSecret'), 'generated once').to.equal(secret);
    expect(h.api.calls.filter((call) => call.operation === 'update')).to.deep.equal([]);
    h.api.updateSpec(API_VERSION, 'IdentityRealm', 'demo', { ...h.current()?.spec, components: { idp: true, rs: false, rp: true, spa: false } });
    await h.reconcile();
    const file = parse(h.text('demo-sign-in-clients', 'sign-in-clients.yml')) as { authz: { signInClients: Record<string, unknown>[] } };
    expect(file.authz.signInClients[0]).to.deep.include({ postLogoutRedirectUris: [`${RP_URL}/`], resourceScopes: { 'urn:cryptoutil:identity-authz': ['authz:admin'], 'urn:cryptoutil:identity-idp': ['idp:admin'] }, secret });
    expect(digest()).to.not.equal(before);
    expect(dig(h.config('identity-rp'), 'rp.consoleOrigins')).to.deep.equal([]);
    expect(h.status()).to.not.have.property('consoleUrl');
    h.api.updateSpec(API_VERSION, 'IdentityRealm', 'demo', { ...h.current()?.spec, components: { idp: true, rs: false, rp: false, spa: false } });
    await h.reconcile();
    expect(parse(h.text('demo-sign-in-clients', 'sign-in-clients.yml'))).to.deep.equal({ authz: { signInClients: [] } });
    expect(h.text('demo-rp-client', 'clientSecret'), 'kept for a later identity-rp').to.equal(secret);
  });

  it('links no account pages from a console whose realm runs no identity-idp (the CRD asks for it, a realm read before that rule may not)', () => {
    expect(spaServiceConfig(identityRealm('demo', withRealmSpec({ components: { idp: false, rs: false, rp: true, spa: true } })))).to.deep.equal({ spa: { rpUrl: RP_URL, accountUrl: '' } });
  });

  it('takes the client secret another reconcile created first at the next reconcile, and writes no sign-in client without it', async () => {
    class RacingApi extends MemoryApi {
      override create(object: KubeObject): Promise<boolean> {
        // Another reconcile wins the race to create the client secret.
        if (object.metadata.name === 'demo-rp-client') return Promise.resolve(false);
        return super.create(object);
      }
    }
    const h = harness(identityRealm('demo', withRealmSpec({ components: ALL })), new RacingApi());
    let thrown: unknown;
    await h.reconcile().catch((error: unknown) => { thrown = error; });
    expect(thrown).to.have.property('reason', 'RpClientSecretUnreadable');
    expect(h.secret('demo-sign-in-clients')).to.equal(undefined);
  });

  it('refuses a client-secret or sign-in Secret it did not create for the realm, and one without the secret', async () => {
    for (const name of ['demo-rp-client', 'demo-sign-in-clients']) {
      const api = new MemoryApi();
      api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, stringData: { clientSecret: 'planted' } });
      const h = harness(identityRealm('demo', withRealmSpec({ components: ALL })), api);
      let thrown: unknown;
      await h.reconcile().catch((error: unknown) => { thrown = error; });
      expect(thrown, name).to.have.property('reason', 'SecretNotAllowed');
    }
    const h = harness(identityRealm('demo', withRealmSpec({ components: ALL })));
    await h.reconcile();
    const existing = h.secret('demo-rp-client');
    if (existing === undefined) throw new Error('no Secret demo-rp-client');
    h.api.put({ ...existing, data: {} });
    let thrown: unknown;
    await h.reconcile().catch((error: unknown) => { thrown = error; });
    expect(thrown).to.have.property('reason', 'RpClientSecretUnreadable');
    expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'RpClientSecretUnreadable', message: 'Secret demo-rp-client has no "clientSecret"; delete it to have a new one generated' });
  });

  it('writes configurations that every service of the realm loads as it starts, from the Secrets mounted as a kubelet would, identity-rp\'s client secret the one identity-authz registers', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ components: ALL, mfa: { required: false, requiredGroups: ['operators'] } })));
    await h.reconcile();
    const { text } = h;
    const clientSecret = text('demo-rp-client', 'clientSecret');
    const dir = await mkdtemp(join(tmpdir(), 'realm-config-'));
    const loadedOf: Record<string, Record<string, unknown>> = {};
    try {
      for (const service of ['identity-authz', 'identity-idp', 'identity-rs', 'identity-rp', 'identity-spa']) {
        const root = join(dir, service);
        const sealed = !['identity-rs', 'identity-spa'].includes(service);
        const files: Record<string, string> = {
          [`${MOUNTS.database}/url`]: text(`demo-${service}-postgres`, 'url'),
          ...(service === 'identity-authz' ? {
            '/etc/cryptoutil/operator-client/clientSecret': text('demo-operator-client', 'clientSecret'),
            '/etc/cryptoutil/sign-in-clients/sign-in-clients.yml': text('demo-sign-in-clients', 'sign-in-clients.yml'),
          } : {}),
          ...(service === 'identity-rp' ? { '/etc/cryptoutil/rp-client/clientSecret': clientSecret } : {}),
          ...(sealed ? {
            [`${MOUNTS.pepper}/pepper`]: text(`demo-${service}-pepper`, 'pepper'),
            [`${MOUNTS.unseal}/keyCheck`]: text(SHARES[0] ?? '', 'keyCheck'),
            ...Object.fromEntries(SHARES.slice(0, 3).map((name, index) => [`${MOUNTS.unseal}/share-${String(index + 1)}`, text(name, 'share')])),
          } : {}),
        };
        for (const [path, content] of Object.entries(files)) {
          await mkdir(join(root, path, '..'), { recursive: true });
          await writeFile(join(root, path), content);
        }
        const configFile = join(root, 'config.yml');
        const configMap = h.api.find('v1', 'ConfigMap', `demo-${service}-config`)?.data as Record<string, string>;
        await writeFile(configFile, (configMap['config.yml'] ?? '').replaceAll('/etc/cryptoutil/', `${root}/etc/cryptoutil/`));
        // The files the pod's arguments name, in their order (identity-authz: the sign-in clients second).
        const args = dig(h.api.find('apps/v1', 'Deployment', `demo-${service}`), 'spec.template.spec.containers.0.args') as string[];
        const configFiles = args.flatMap((arg, index) => args[index - 1] === '--config' ? [arg === `${MOUNTS.config}/config.yml` ? configFile : join(root, arg)] : []);
        const definition = services.find((candidate) => candidate.name === service);
        if (definition === undefined) throw new Error(`no service ${service}`);
        const loaded = loadServiceConfig(definition, configFiles, {}) as unknown as Record<string, unknown>;
        loadedOf[service] = loaded;
        expect(dig(loaded, 'auth.issuer'), service).to.equal(AUTHZ_URL);
        expect(dig(loaded, 'hash.pepper'), service).to.equal(sealed ? files[`${MOUNTS.pepper}/pepper`] : '');
      }
      const [authz, idp, rp, spa] = ['identity-authz', 'identity-idp', 'identity-rp', 'identity-spa'].map((service) => loadedOf[service]);
      checkAuthzConfig(authz as unknown as AuthzConfig);
      checkIdpConfig(idp as unknown as IdpConfig);
      checkRpConfig(rp as unknown as RpConfig);
      checkSpaConfig(spa as unknown as SpaConfig);
      // The operator's client (realm-content/) is identity-authz's bootstrap client, its secret the generated one.
      expect(dig(authz, 'authz.bootstrapClient')).to.deep.equal({ id: 'cryptoutil-operator', secret: text('demo-operator-client', 'clientSecret') });
      expect(text('demo-operator-client', 'clientSecret')).to.match(/^[A-Za-z0-9_-]{43}$/);
      // identity-rp signs in with exactly the client identity-authz registers.
      const [client] = dig(authz, 'authz.signInClients') as { id: string; secret: string; redirectUris: string[] }[];
      expect(client).to.deep.include({ id: dig(rp, 'rp.clientId'), secret: dig(rp, 'rp.clientSecret'), redirectUris: [dig(rp, 'rp.redirectUri')] });
      expect(client?.secret).to.equal(clientSecret);
      expect(dig(spa, 'spa.rpUrl')).to.equal(RP_URL);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes spec.issuer as the issuer when set, in status and in every config', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ issuer: 'https://login.example.com' })));
    await h.reconcile();
    expect(h.status()).to.deep.include({ issuer: 'https://login.example.com' });
    // Its own keys still come from the pod itself, not through the external name.
    expect(h.config('identity-authz')).to.deep.include({ auth: { issuer: 'https://login.example.com', jwksUri: 'https://localhost:8180/jwks' } });
    expect(dig(h.config('identity-authz'), 'authz.issuer')).to.equal('https://login.example.com');
    expect(dig(h.config('identity-idp'), 'auth.issuer')).to.equal('https://login.example.com');
  });

  it('is Ready, with observedGeneration, only once every service and its database run', async () => {
    const h = harness(identityRealm('demo'));
    await h.reconcile();
    expect(h.condition('Ready')).to.deep.include({ status: 'False', reason: 'NotAvailable', message: 'waiting for the database', observedGeneration: 1 });
    h.running('identity-authz');
    await h.reconcile();
    expect(h.condition('Ready')).to.deep.include({ status: 'False', message: 'waiting for the database' });
    h.api.setReady('apps/v1', 'StatefulSet', 'demo-identity-idp-postgres', 1);
    await h.reconcile();
    expect(h.condition('Ready')).to.deep.include({ status: 'False', message: 'waiting for 1/2 replicas ready' });
    expect(h.condition('Progressing')).to.deep.include({ status: 'True', reason: 'Converging' });
    h.running('identity-idp');
    await h.reconcile();
    expect(h.condition('Ready')).to.deep.include({ status: 'True', reason: 'Available', message: '2/2 replicas ready', observedGeneration: 1 });
    expect(h.condition('Degraded')).to.deep.include({ status: 'False', reason: 'AsExpected' });
    expect(h.status()).to.deep.include({ readyReplicas: 2, observedGeneration: 1 });
  });

  it('deploys identity-rs with spec.components.rs, without pepper or unseal, and no identity-idp without spec.components.idp', async () => {
    const h = harness(identityRealm('demo', withRealmSpec({ components: { idp: false, rs: true, rp: false, spa: false } })));
    await h.reconcile();
    expect(h.api.list('Deployment').map((deployment) => deployment.metadata.name).sort()).to.deep.equal(['demo-identity-authz', 'demo-identity-rs']);
    expect(h.volumes('identity-rs')).to.not.include.members(['pepper']);
    expect(h.volumes('identity-rs')).to.not.include('unseal');
    expect(h.secret('demo-identity-rs-pepper')).to.equal(undefined);
    expect(h.config('identity-rs')).to.deep.include({ auth: { issuer: AUTHZ_URL } });
    expect(h.config('identity-rs')).to.not.have.property('hash');
    // Without identity-idp, identity-authz still issues client-credentials tokens.
    expect(dig(h.config('identity-authz'), 'authz.idpUrl')).to.equal('');
    h.running('identity-authz', 'identity-rs');
    await h.reconcile();
    expect(h.condition('Ready')).to.deep.include({ status: 'True', message: '2/2 replicas ready' });
  });

  it('reads a realm whose components and token lifetime the API server left out as the CRD defaults them', async () => {
    const bare = identityRealm('demo');
    const h = harness({ ...bare, spec: { replicas: 1, deletionPolicy: 'Retain' } });
    await h.reconcile();
    expect(h.api.list('Deployment').map((deployment) => deployment.metadata.name).sort()).to.deep.equal(['demo-identity-authz', 'demo-identity-idp']);
    expect(dig(h.config('identity-authz'), 'authz.accessTokenTtlSeconds')).to.equal(900);
  });

  it('lets a PetStore naming it in spec.auth.identityRealmRef trust its issuer once it is Ready', async () => {
    const api = new MemoryApi();
    const h = harness(identityRealm('demo', withRealmSpec({ issuer: 'https://login.example.com' })), api);
    const store = petStore('shop', withAuth({ identityRealmRef: { name: 'demo' } }));
    api.put(store);
    const pets = serviceReconciler(kindRow('PetStore'), { api, images });
    const petsRef = { apiVersion: API_VERSION, kind: 'PetStore', namespace: 'default', name: 'shop' };
    await h.reconcile();
    await pets.reconcile(petsRef).catch(() => undefined);
    const degraded = (api.find(API_VERSION, 'PetStore', 'shop') as ServiceResource).status?.conditions?.find((item) => item.type === 'Degraded');
    expect(degraded).to.deep.include({ status: 'True', reason: 'IdentityRealmNotReady' });
    h.running('identity-authz', 'identity-idp');
    await h.reconcile();
    await pets.reconcile(petsRef);
    expect(configOf(api, 'shop-learn-ps')).to.deep.include({ auth: { issuer: 'https://login.example.com' } });
  });

  it('deletes the shared shares once, the peppers and both databases\' credentials under deletionPolicy Delete', async () => {
    const h = harness(identityRealm('demo', withDeletionPolicy('Delete')));
    await h.reconcile();
    expect(h.current()?.metadata.finalizers).to.deep.equal([RETAINED_SECRETS_FINALIZER]);
    await h.api.delete(h.ref);
    await h.reconcile();
    expect(h.current()).to.equal(undefined);
    const removed = [...SHARES, 'demo-identity-authz-pepper', 'demo-identity-authz-postgres', 'demo-identity-idp-pepper', 'demo-identity-idp-postgres'];
    for (const name of removed) expect(h.secret(name), name).to.equal(undefined);
    expect(h.api.events.find((event) => event.reason === 'SecretsDeleted')?.note).to.equal(`deletionPolicy is Delete: removed Secret ${SHARES.join(', ')}, demo-identity-authz-pepper, demo-identity-authz-postgres, demo-identity-idp-pepper, demo-identity-idp-postgres`);
  });

  it('keeps the finalizer for the peppers and shares with an external database, and mounts that database in every service', async () => {
    const api = new MemoryApi();
    api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'pg', namespace: 'default', labels: { 'cryptoutil.io/allow-mount': 'true' } }, stringData: { url: 'postgres://x' } });
    const h = harness(identityRealm('demo', withDeletionPolicy('Delete'), withExternalDatabase('pg', 'url')), api);
    await h.reconcile();
    expect(h.current()?.metadata.finalizers).to.deep.equal([RETAINED_SECRETS_FINALIZER]);
    expect(h.api.list('StatefulSet')).to.deep.equal([]);
    expect(dig(h.config('identity-idp'), 'database.url')).to.equal('file:///etc/cryptoutil/database/url');
    h.api.setReady('apps/v1', 'Deployment', 'demo-identity-authz', 1);
    h.api.setReady('apps/v1', 'Deployment', 'demo-identity-idp', 1);
    await h.reconcile();
    expect(h.condition('Ready')).to.deep.include({ status: 'True' });
  });

  it('never generates a new pepper for a database that holds hashes: PepperMissing, the rest still applied', async () => {
    const h = harness(identityRealm('demo'));
    await h.reconcile();
    h.api.put({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-demo-identity-idp-postgres-0', namespace: 'default' } });
    await h.api.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'demo-identity-idp-pepper' });
    await h.api.delete({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'demo-identity-idp' });
    let thrown: unknown;
    await h.reconcile().catch((error: unknown) => { thrown = error; });
    expect(thrown).to.have.property('reason', 'PepperMissing');
    expect(h.secret('demo-identity-idp-pepper')).to.equal(undefined);
    expect(h.api.find('apps/v1', 'Deployment', 'demo-identity-idp'), 'the rest is applied').to.not.equal(undefined);
    expect(h.condition('Degraded')).to.deep.include({ status: 'True', reason: 'PepperMissing' });
    expect(h.condition('Degraded')?.message).to.include('Secret demo-identity-idp-pepper is gone but the database volume remains');
  });

  it('refuses to mount a pepper Secret it did not create for the realm', async () => {
    const api = new MemoryApi();
    api.put({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'demo-identity-authz-pepper', namespace: 'default' }, stringData: { pepper: 'planted' } });
    const h = harness(identityRealm('demo'), api);
    let thrown: unknown;
    await h.reconcile().catch((error: unknown) => { thrown = error; });
    expect(thrown).to.have.property('reason', 'SecretNotAllowed');
    expect(h.api.list('Deployment')).to.deep.equal([]);
  });

  it('syncs the realm content once every replica runs, keeps its status fields, asks to sync again later, and reports a failed sync as Degraded', async () => {
    const api = new MemoryApi();
    api.put(identityRealm('demo'));
    const seen: { endpoint: string; previous: Readonly<Record<string, unknown>> }[] = [];
    const again: string[] = [];
    let answer: Readonly<Record<string, unknown>> | undefined | ReconcileProblem = { managedClients: 2, lastSyncTime: '2026-03-01T10:00:00.000Z' };
    const contentSync: ContentSync = {
      sync: (context, previous) => {
        seen.push({ endpoint: context.endpoint, previous });
        return answer instanceof ReconcileProblem ? Promise.reject(answer) : Promise.resolve(answer);
      },
    };
    const reconciler = serviceReconciler(kindRow('IdentityRealm'), { api, images, contentSync: { IdentityRealm: contentSync }, onContentSynced: (ref) => { again.push(ref.name); }, now: () => new Date('2026-03-01T10:00:00Z') });
    const ref = { apiVersion: API_VERSION, kind: 'IdentityRealm', namespace: 'default', name: 'demo' };
    const status = (): Record<string, unknown> => api.find(API_VERSION, 'IdentityRealm', 'demo')?.status as Record<string, unknown>;
    await reconciler.reconcile(ref);
    expect(seen, 'nothing runs yet').to.deep.equal([]);
    for (const service of ['identity-authz', 'identity-idp']) {
      api.setReady('apps/v1', 'StatefulSet', `demo-${service}-postgres`, 1);
      api.setReady('apps/v1', 'Deployment', `demo-${service}`, 1);
    }
    await reconciler.reconcile(ref);
    expect(seen).to.have.length(1);
    expect(seen[0]?.endpoint).to.equal(AUTHZ_URL);
    expect(status()).to.deep.include({ managedClients: 2, lastSyncTime: '2026-03-01T10:00:00.000Z', issuer: AUTHZ_URL });
    expect(again).to.deep.equal(['demo']);
    // identity-authz cannot be asked yet: what was synced before stays.
    answer = undefined;
    await reconciler.reconcile(ref);
    expect(seen[1]?.previous).to.deep.include({ managedClients: 2 });
    expect(status()).to.deep.include({ managedClients: 2 });
    answer = new ReconcileProblem('RealmContentSyncFailed', 'identity-authz answered 400 to creating client billing: no');
    let thrown: unknown;
    await reconciler.reconcile(ref).catch((error: unknown) => { thrown = error; });
    expect(thrown).to.equal(answer);
    const degraded = (status().conditions as Condition[]).find((condition) => condition.type === 'Degraded');
    expect(degraded).to.deep.include({ status: 'True', reason: 'RealmContentSyncFailed', message: 'identity-authz answered 400 to creating client billing: no' });
    expect(status()).to.deep.include({ managedClients: 2 });
    expect(api.events.map((event) => event.reason)).to.include('RealmContentSyncFailed');
  });
});
