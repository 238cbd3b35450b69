import { expect } from 'chai';
import { parse } from 'yaml';
import { kindRow } from '../kinds.ts';
import { certificateAuthority, withCaSpec } from '../testing/fixtures.ts';
import { caBundle, caBundleName, caServiceConfig, escapeDnValue, servesAcme, subjectDn } from './ca.ts';
import { configMap } from './config.ts';
import { childNames } from './names.ts';

describe('CertificateAuthority children', () => {
  it('escapes RFC 4514 specials so a subject field cannot add an attribute', () => {
    expect(escapeDnValue('Acme, Inc.')).to.equal('Acme\\, Inc.');
    expect(escapeDnValue('a+b"c<d>e;f=g\\h')).to.equal('a\\+b\\"c\\<d\\>e\\;f\\=g\\\\h');
    expect(escapeDnValue('#hash')).to.equal('\\#hash');
    expect(escapeDnValue(' lead and trail ')).to.equal('\\ lead and trail\\ ');
    expect(escapeDnValue('plain')).to.equal('plain');
  });

  it('writes the subject most significant last and leaves out empty fields', () => {
    expect(subjectDn({ commonName: 'demo CA', organization: 'Acme, Inc.', country: 'DE' })).to.equal('CN=demo CA,O=Acme\\, Inc.,C=DE');
    expect(subjectDn({ commonName: 'only' })).to.equal('CN=only');
    expect(subjectDn({ commonName: 'x', organization: '' })).to.equal('CN=x');
  });

  it('configures pki-ca to create the root the resource describes, in pki-ca\'s algorithm names', () => {
    expect(caServiceConfig(certificateAuthority('demo'))).to.deep.equal({ pki: { bootstrap: true, rootSubject: 'CN=demo CA,O=cryptoutil', bootstrapKeyAlgorithm: 'ES384', rootValidityDays: 3650 } });
    for (const [crd, service] of [['RSA3072', 'RSA-3072'], ['RSA4096', 'RSA-4096'], ['Ed25519', 'Ed25519'], ['ES256', 'ES256']] as const) {
      expect(caServiceConfig(certificateAuthority('demo', withCaSpec({ keyAlgorithm: crd })))).to.have.nested.property('pki.bootstrapKeyAlgorithm', service);
    }
    const resource = certificateAuthority('demo', withCaSpec({ validityDays: 7300 }));
    const config = parse(String((configMap(resource, kindRow('CertificateAuthority'), 'https://issuer.test').data as Record<string, string>)['config.yml'])) as Record<string, unknown>;
    expect(config).to.deep.include({ pki: { bootstrap: true, rootSubject: 'CN=demo CA,O=cryptoutil', bootstrapKeyAlgorithm: 'ES384', rootValidityDays: 7300 } });
    expect(config).to.have.nested.property('public.port', 8380);
    expect(config).to.have.nested.property('barrier.threshold', 3);
  });

  it('names its unseal Secret after the service, so a KmsInstance of the same name keeps its own', () => {
    expect(childNames(certificateAuthority('demo')).unseal).to.equal('demo-pki-ca-unseal');
    expect(childNames(certificateAuthority('demo')).workload).to.equal('demo-pki-ca');
  });

  it('publishes the root in the ConfigMap <name>-ca-bundle, owned by the resource', () => {
    const resource = certificateAuthority('demo');
    const bundle = caBundle(resource, kindRow('CertificateAuthority'), 'PEM');
    expect(caBundleName(resource)).to.equal('demo-ca-bundle');
    expect(bundle).to.deep.include({ apiVersion: 'v1', kind: 'ConfigMap', data: { 'ca.crt': 'PEM' } });
    expect(bundle.metadata).to.deep.include({ name: 'demo-ca-bundle', namespace: 'default' });
    expect(bundle.metadata.labels).to.deep.include({ 'app.kubernetes.io/instance': 'demo', 'app.kubernetes.io/component': 'ca-bundle', 'app.kubernetes.io/managed-by': 'cryptoutil-operator' });
    expect(bundle.metadata.ownerReferences?.[0]).to.deep.include({ kind: 'CertificateAuthority', name: 'demo', controller: true });
    expect(servesAcme(resource)).to.equal(false);
    expect(servesAcme(certificateAuthority('demo', withCaSpec({ acme: true })))).to.equal(true);
  });
});
