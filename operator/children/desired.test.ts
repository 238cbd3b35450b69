import { expect } from 'chai';
import { parse } from 'yaml';
import { kindRow } from '../kinds.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import {
  ISSUER, kmsInstance, petStore, withBarrier, withCertManager, withDeletionPolicy, withExternalDatabase, withGeneratedDatabase, withImage, withNamespace,
  withReplicas, withResources, withTlsSecret,
} from '../testing/fixtures.ts';
import { desiredChildren } from './desired.ts';
import { CONFIG_FILE, serviceConfig } from './config.ts';
import { databaseSecret, databaseUrl } from './postgres.ts';
import { serverNames, tlsSecret } from './tls.ts';
import { shareSecret, unsealSplit } from './unseal.ts';
import { childNames } from './names.ts';
import { deployment } from './workload.ts';
import { dig, digAll } from '../testing/dig.ts';

function decoded(secret: KubeObject): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

const images = { service: 'ghcr.io/cryptoutil/cryptoutil:test', postgres: 'postgres:17-alpine' };

function childrenOf(resource: ServiceResource): KubeObject[] {
  return desiredChildren(resource, kindRow(resource.kind), images, ISSUER);
}

function find(children: readonly KubeObject[], kind: string, name: string): KubeObject {
  const child = children.find((candidate) => candidate.kind === kind && candidate.metadata.name === name);
  if (child === undefined) {
    throw new Error(`no ${kind} ${name} among ${children.map((c) => `${c.kind}/${c.metadata.name}`).join(', ')}`);
  }
  return child;
}


describe('desired children of a service resource', () => {
  describe('which children appear', () => {
    const cases: { name: string; resource: ServiceResource; expected: string[] }[] = [
      {
        name: 'PetStore with the generated database',
        resource: petStore('demo'),
        expected: ['Service/demo-learn-ps-postgres', 'StatefulSet/demo-learn-ps-postgres', 'NetworkPolicy/demo-learn-ps-postgres', 'ConfigMap/demo-learn-ps-config', 'Deployment/demo-learn-ps', 'Service/demo-learn-ps', 'PodDisruptionBudget/demo-learn-ps', 'NetworkPolicy/demo-learn-ps'],
      },
      {
        name: 'PetStore with an external database has no PostgreSQL',
        resource: petStore('demo', withExternalDatabase('pg-credentials')),
        expected: ['ConfigMap/demo-learn-ps-config', 'Deployment/demo-learn-ps', 'Service/demo-learn-ps', 'PodDisruptionBudget/demo-learn-ps', 'NetworkPolicy/demo-learn-ps'],
      },
      {
        name: 'cert-manager adds a Certificate',
        resource: petStore('demo', withExternalDatabase('pg'), withCertManager('ca-issuer')),
        expected: ['Certificate/demo-learn-ps-tls', 'ConfigMap/demo-learn-ps-config', 'Deployment/demo-learn-ps', 'Service/demo-learn-ps', 'PodDisruptionBudget/demo-learn-ps', 'NetworkPolicy/demo-learn-ps'],
      },
    ];
    for (const { name, resource, expected } of cases) {
      it(name, () => {
        expect(childrenOf(resource).map((child) => `${child.kind}/${child.metadata.name}`)).to.deep.equal(expected);
      });
    }
  });

  it('labels every child and makes the resource its controlling owner', () => {
    for (const child of childrenOf(petStore('demo', withNamespace('shop')))) {
      expect(child.metadata.namespace).to.equal('shop');
      expect(child.metadata.labels).to.deep.include({
        'app.kubernetes.io/instance': 'demo',
        'app.kubernetes.io/managed-by': 'cryptoutil-operator',
        'app.kubernetes.io/name': 'learn-ps',
        'app.kubernetes.io/part-of': 'cryptoutil',
      });
      expect(child.metadata.ownerReferences).to.deep.equal([
        { apiVersion: 'cryptoutil.io/v1alpha1', kind: 'PetStore', name: 'demo', uid: 'uid-PetStore-demo', controller: true, blockOwnerDeletion: true },
      ]);
    }
  });

  describe('Deployment', () => {
    const container = (resource: ServiceResource): unknown => dig(find(childrenOf(resource), 'Deployment', 'demo-learn-ps'), 'spec.template.spec.containers.0');

    it('runs spec.replicas pods of `cryptoutil <service> start` with exec probes', () => {
      const resource = petStore('demo', withReplicas(3));
      expect(dig(find(childrenOf(resource), 'Deployment', 'demo-learn-ps'), 'spec.replicas')).to.equal(3);
      const main = container(resource);
      expect(dig(main, 'image')).to.equal(images.service);
      expect(dig(main, 'args')).to.deep.equal(['learn-ps', 'start', '--config', '/etc/cryptoutil/config/config.yml']);
      expect(dig(main, 'ports')).to.deep.equal([{ name: 'https', containerPort: 8480 }]);
      expect(dig(main, 'livenessProbe.exec.command')).to.deep.equal(['cryptoutil', 'learn-ps', 'livez', '--config', '/etc/cryptoutil/config/config.yml']);
      expect(digAll(main, 'readinessProbe.exec.command').slice(1, 3)).to.deep.equal(['learn-ps', 'readyz']);
      expect(digAll(main, 'startupProbe.exec.command').slice(1, 3)).to.deep.equal(['learn-ps', 'livez']);
    });

    it('is hardened to the restricted Pod Security profile', () => {
      const pod = dig(find(childrenOf(petStore('demo')), 'Deployment', 'demo-learn-ps'), 'spec.template.spec');
      expect(dig(pod, 'securityContext')).to.deep.include({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(dig(pod, 'automountServiceAccountToken')).to.equal(false);
      const main = container(petStore('demo'));
      expect(dig(main, 'securityContext')).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(dig(main, 'resources.requests')).to.have.keys('cpu', 'memory');
      expect(dig(main, 'resources.limits')).to.have.keys('cpu', 'memory');
      const writable = digAll(main, 'volumeMounts').filter((mount) => dig(mount, 'readOnly') === false).map((mount) => dig(mount, 'mountPath'));
      expect(writable).to.deep.equal(['/tmp', '/var/lib/cryptoutil']);
    });

    it('takes spec.image and spec.resources over the defaults', () => {
      const main = container(petStore('demo', withImage('registry.example/custom:1'), withResources({ cpu: '250m' }, { memory: '2Gi' })));
      expect(dig(main, 'image')).to.equal('registry.example/custom:1');
      expect(dig(main, 'resources')).to.deep.equal({ requests: { cpu: '250m', memory: '192Mi' }, limits: { cpu: '1', memory: '2Gi' } });
    });

    it('mounts only the first mountShares share Secrets (default the threshold), the key check value from the first, and only for kinds with a barrier', () => {
      const volumes = (resource: ServiceResource): unknown[] => digAll(find(childrenOf(resource), 'Deployment', `demo-${kindRow(resource.kind).service}`), 'spec.template.spec.volumes');
      const share = (index: number, keyCheck = false): unknown => ({ secret: { name: `demo-unseal-${String(index)}`, items: [{ key: 'share', path: `share-${String(index)}` }, ...(keyCheck ? [{ key: 'keyCheck', path: 'keyCheck' }] : [])] } });
      expect(volumes(petStore('demo')).map((volume) => dig(volume, 'name'))).to.not.include('unseal');
      expect(volumes(kmsInstance('demo'))).to.deep.include({ name: 'unseal', projected: { defaultMode: 0o400, sources: [share(1, true), share(2), share(3)] } });
      expect(volumes(kmsInstance('demo', withBarrier(5, 2, { mountShares: 4 })))).to.deep.include({ name: 'unseal', projected: { defaultMode: 0o400, sources: [share(1, true), share(2), share(3), share(4)] } });
      const manual = kmsInstance('demo', withBarrier(5, 3, { autoUnseal: false }));
      expect(volumes(manual).map((volume) => dig(volume, 'name'))).to.not.include('unseal');
      expect(digAll(find(childrenOf(manual), 'Deployment', 'demo-sm-kms'), 'spec.template.spec.containers.0.volumeMounts').map((mount) => dig(mount, 'name'))).to.include('config').and.not.include('unseal');
    });

    it('rolls the pods when the configuration changes', () => {
      const annotation = (resource: ServiceResource): unknown =>
        (dig(find(childrenOf(resource), 'Deployment', 'demo-learn-ps'), 'spec.template.metadata.annotations') as Record<string, unknown>)['cryptoutil.io/config-digest'];
      expect(annotation(petStore('demo'))).to.be.a('string');
      expect(annotation(petStore('demo'))).to.equal(annotation(petStore('demo', withReplicas(4))));
      expect(annotation(petStore('demo'))).to.not.equal(annotation(petStore('demo', withExternalDatabase('pg', 'dsn'))));
    });
  });

  describe('ConfigMap', () => {
    it('holds the service YAML with secrets only as file:// references', () => {
      const text = (find(childrenOf(kmsInstance('demo', withBarrier(4, 2))), 'ConfigMap', 'demo-sm-kms-config').data as Record<string, string>)[CONFIG_FILE];
      const parsed: unknown = parse(String(text));
      expect(dig(parsed, 'public')).to.deep.equal({ address: '0.0.0.0', port: 8080 });
      expect(dig(parsed, 'admin')).to.deep.equal({ address: '127.0.0.1', port: 9090 });
      expect(dig(parsed, 'tls')).to.deep.include({ mode: 'files', certFile: '/etc/cryptoutil/tls/tls.crt', keyFile: '/etc/cryptoutil/tls/tls.key', caFile: '/etc/cryptoutil/tls/ca.crt' });
      expect(dig(parsed, 'database.url')).to.equal('file:///etc/cryptoutil/database/url');
      expect(dig(parsed, 'barrier')).to.deep.equal({
        shares: ['file:///etc/cryptoutil/unseal/share-1', 'file:///etc/cryptoutil/unseal/share-2'],
        threshold: 2,
        keyCheck: 'file:///etc/cryptoutil/unseal/keyCheck',
      });
      expect(dig(parsed, 'auth')).to.deep.equal({ issuer: ISSUER });
    });

    it('with autoUnseal false names no share, and the key check value recorded in status when there is one', () => {
      const barrierOf = (resource: ServiceResource): unknown => dig(parse(String((find(childrenOf(resource), 'ConfigMap', 'demo-sm-kms-config').data as Record<string, string>)[CONFIG_FILE])), 'barrier');
      const manual = kmsInstance('demo', withBarrier(5, 3, { autoUnseal: false }));
      expect(barrierOf(manual)).to.deep.equal({ threshold: 3 });
      expect(barrierOf({ ...manual, status: { barrier: { initialized: true, keyCheck: 'kcv1:abc' } } })).to.deep.equal({ threshold: 3, keyCheck: 'kcv1:abc' });
    });

    it('rolls the pods when the issuer changes (the config digest covers auth.issuer)', () => {
      const digest = (issuer: string): unknown => dig(deployment(petStore('demo'), kindRow('PetStore'), 'img', issuer), 'spec.template.metadata.annotations');
      expect(digest('https://a.example')).to.not.deep.equal(digest('https://b.example'));
    });

    it('reads the external Secret key and has no barrier without one', () => {
      const config = serviceConfig(petStore('demo', withExternalDatabase('pg', 'dsn')), kindRow('PetStore'), ISSUER);
      expect(config.database).to.deep.equal({ url: 'file:///etc/cryptoutil/database/dsn' });
      expect(config).to.not.have.property('barrier');
    });
  });

  describe('PostgreSQL', () => {
    it('runs one hardened pod with a volume claim and credentials from the Secret', () => {
      const set = find(childrenOf(petStore('demo')), 'StatefulSet', 'demo-learn-ps-postgres');
      expect(dig(set, 'spec.replicas')).to.equal(1);
      expect(dig(set, 'spec.serviceName')).to.equal('demo-learn-ps-postgres');
      expect(dig(set, 'spec.template.spec.containers.0.image')).to.equal('postgres:17-alpine');
      expect(dig(set, 'spec.template.spec.containers.0.env.1')).to.deep.equal({ name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: 'demo-learn-ps-postgres', key: 'POSTGRES_PASSWORD' } } });
      expect(dig(set, 'spec.template.spec.containers.0.securityContext.readOnlyRootFilesystem')).to.equal(true);
      expect(dig(set, 'spec.volumeClaimTemplates.0.spec.resources.requests.storage')).to.equal('1Gi');
      expect(dig(set, 'spec.persistentVolumeClaimRetentionPolicy')).to.deep.equal({ whenDeleted: 'Retain', whenScaled: 'Retain' });
      const deleting = find(childrenOf(petStore('demo', withDeletionPolicy('Delete'))), 'StatefulSet', 'demo-learn-ps-postgres');
      expect(dig(deleting, 'spec.persistentVolumeClaimRetentionPolicy')).to.deep.equal({ whenDeleted: 'Delete', whenScaled: 'Retain' });
      expect(dig(find(childrenOf(petStore('demo')), 'Service', 'demo-learn-ps-postgres'), 'spec.clusterIP')).to.equal('None');
    });

    it('follows spec.database.generated version and storage', () => {
      const set = find(childrenOf(petStore('demo', withGeneratedDatabase('16', '5Gi'))), 'StatefulSet', 'demo-learn-ps-postgres');
      expect(dig(set, 'spec.template.spec.containers.0.image')).to.equal('postgres:16-alpine');
      expect(dig(set, 'spec.volumeClaimTemplates.0.spec.resources.requests.storage')).to.equal('5Gi');
    });

    it('admits only the service pods to the database', () => {
      expect(dig(find(childrenOf(petStore('demo')), 'NetworkPolicy', 'demo-learn-ps-postgres'), 'spec.ingress')).to.deep.equal([{
        from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'learn-ps', 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/component': 'server' } } }],
        ports: [{ protocol: 'TCP', port: 5432 }],
      }]);
    });

    it('puts a URL-escaped password in the in-cluster database URL', () => {
      const resource = petStore('demo', withNamespace('shop'));
      expect(databaseUrl(resource, 'a/b')).to.equal('postgres://cryptoutil:a%2Fb@demo-learn-ps-postgres.shop.svc:5432/cryptoutil');
      const secret = databaseSecret(resource, kindRow('PetStore'), 'pw');
      expect(decoded(secret)).to.deep.equal({ POSTGRES_USER: 'cryptoutil', POSTGRES_PASSWORD: 'pw', POSTGRES_DB: 'cryptoutil', url: 'postgres://cryptoutil:pw@demo-learn-ps-postgres.shop.svc:5432/cryptoutil' });
      // Kept with the volume under Retain: no owner reference (the finalizer removes it under Delete).
      expect(secret.metadata.ownerReferences).to.equal(undefined);
      expect(secret.metadata.labels?.['app.kubernetes.io/instance']).to.equal('demo');
    });
  });

  describe('Service, PodDisruptionBudget, NetworkPolicy', () => {
    it('exposes the public port and lets one pod go at a time', () => {
      const children = childrenOf(kmsInstance('demo'));
      expect(dig(find(children, 'Service', 'demo-sm-kms'), 'spec.ports')).to.deep.equal([{ name: 'https', port: 8080, targetPort: 'https' }]);
      expect(dig(find(children, 'PodDisruptionBudget', 'demo-sm-kms'), 'spec.maxUnavailable')).to.equal(1);
      expect(dig(find(children, 'NetworkPolicy', 'demo-sm-kms'), 'spec.ingress')).to.deep.equal([{ ports: [{ protocol: 'TCP', port: 8080 }] }]);
    });
  });

  describe('TLS', () => {
    it('names the Service in every DNS form and the loopback the probes use', () => {
      expect(serverNames(petStore('demo', withNamespace('shop')))).to.deep.equal(['demo-learn-ps', 'demo-learn-ps.shop', 'demo-learn-ps.shop.svc', 'demo-learn-ps.shop.svc.cluster.local', 'localhost', '127.0.0.1']);
    });

    it('asks cert-manager for an ECDSA certificate in the same Secret', () => {
      const certificate = find(childrenOf(petStore('demo', withCertManager('corp', 'ClusterIssuer'))), 'Certificate', 'demo-learn-ps-tls');
      expect(dig(certificate, 'spec')).to.deep.include({ secretName: 'demo-learn-ps-tls', ipAddresses: ['127.0.0.1'] });
      expect(dig(certificate, 'spec.issuerRef')).to.deep.equal({ name: 'corp', kind: 'ClusterIssuer', group: 'cert-manager.io' });
      expect(dig(certificate, 'spec.dnsNames')).to.not.include('127.0.0.1');
      expect(dig(certificate, 'spec.privateKey')).to.deep.include({ algorithm: 'ECDSA', size: 256 });
      const defaulted = find(childrenOf(petStore('demo', withCertManager('corp'))), 'Certificate', 'demo-learn-ps-tls');
      expect(dig(defaulted, 'spec.issuerRef.kind')).to.equal('Issuer');
    });

    it('mounts a Secret the user names in mode Secret', () => {
      const resource = petStore('demo', withTlsSecret('my-tls'));
      expect(childNames(resource).tls).to.equal('my-tls');
      expect(digAll(find(childrenOf(resource), 'Deployment', 'demo-learn-ps'), 'spec.template.spec.volumes')).to.deep.include({ name: 'tls', secret: { secretName: 'my-tls', defaultMode: 0o400 } });
    });

    it('writes an issued certificate as a kubernetes.io/tls Secret', () => {
      const secret = tlsSecret(petStore('demo'), kindRow('PetStore'), { cert: 'C', key: 'K', ca: 'A' });
      expect(secret.type).to.equal('kubernetes.io/tls');
      expect(decoded(secret)).to.deep.equal({ 'tls.crt': 'C', 'tls.key': 'K', 'ca.crt': 'A' });
    });
  });

  describe('unseal share Secrets', () => {
    it('hold one share and the key check value each, with no owner reference, so deleting the resource keeps them', () => {
      const secret = shareSecret(kmsInstance('demo', withBarrier(3, 2)), kindRow('KmsInstance'), 2, { share: 'b', keyCheck: 'kcv1:k' });
      expect(secret.metadata.name).to.equal('demo-unseal-2');
      expect(secret.metadata.ownerReferences).to.equal(undefined);
      expect(secret.metadata.labels).to.deep.include({ 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/component': 'unseal' });
      expect(secret.metadata.annotations).to.deep.equal({ 'cryptoutil.io/threshold': '2', 'cryptoutil.io/share': '2/3' });
      expect(decoded(secret)).to.deep.equal({ share: 'b', keyCheck: 'kcv1:k' });
    });

    it('default to a 3-of-5 split with the threshold mounted; autoUnseal false mounts none', () => {
      expect(shareSecret(kmsInstance('demo'), kindRow('KmsInstance'), 1, { share: 'a', keyCheck: 'kcv1:k' }).metadata.annotations).to.deep.equal({ 'cryptoutil.io/threshold': '3', 'cryptoutil.io/share': '1/5' });
      expect(unsealSplit(kmsInstance('demo'))).to.deep.equal({ shares: 5, threshold: 3, mounted: [1, 2, 3] });
      expect(unsealSplit(kmsInstance('demo', withBarrier(4, 2, { mountShares: 3, autoUnseal: true })))).to.deep.equal({ shares: 4, threshold: 2, mounted: [1, 2, 3] });
      expect(unsealSplit(kmsInstance('demo', withBarrier(4, 2, { mountShares: 3, autoUnseal: false })))).to.deep.equal({ shares: 4, threshold: 2, mounted: [] });
    });
  });
});
