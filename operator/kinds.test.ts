import { expect } from 'chai';
import { API_VERSION, KIND_ROWS, KIND_TABLE, SERVICE_ROWS, isWatchedKind, kindRow, servicesOfKind } from './kinds.ts';
import { KINDS } from './api/kinds.ts';

describe('kind table', () => {
  it('reconciles PetStore with learn-ps, KmsInstance with sm-kms, CertificateAuthority with pki-ca, JwkAuthority with jose-ja and IdentityRealm with identity-authz', () => {
    expect(API_VERSION).to.equal('cryptoutil.io/v1alpha1');
    expect(kindRow('PetStore')).to.deep.include({ service: 'learn-ps', port: 8480, plural: 'petstores', children: { unseal: false } });
    expect(kindRow('KmsInstance')).to.deep.include({ service: 'sm-kms', port: 8080, plural: 'kmsinstances', children: { unseal: true, unsealNamedByResource: true } });
    expect(kindRow('CertificateAuthority')).to.deep.include({ service: 'pki-ca', port: 8380, plural: 'certificateauthorities', children: { unseal: true } });
    expect(kindRow('JwkAuthority')).to.deep.include({ service: 'jose-ja', port: 8280, plural: 'jwkauthorities', children: { unseal: true } });
    expect(kindRow('IdentityRealm')).to.deep.include({ service: 'identity-authz', port: 8180, plural: 'identityrealms', children: { unseal: true, sharedUnseal: 'identity', pepper: true, operatorClient: true, signInClients: true } });
    expect(KIND_ROWS.map((row) => row.kind)).to.deep.equal(['PetStore', 'KmsInstance', 'CertificateAuthority', 'JwkAuthority', 'IdentityRealm']);
  });

  it('lists the services of a realm, its components included', () => {
    expect(servicesOfKind('IdentityRealm')).to.deep.equal(['identity-authz', 'identity-idp', 'identity-rs', 'identity-rp', 'identity-spa']);
    expect(servicesOfKind('PetStore')).to.deep.equal(['learn-ps']);
    expect(kindRow('IdentityRealm').components?.map((component) => `${component.component}:${component.row.service}`)).to.deep.equal(['idp:identity-idp', 'rs:identity-rs', 'rp:identity-rp', 'spa:identity-spa']);
    expect(SERVICE_ROWS.map((row) => row.service)).to.have.length(new Set(SERVICE_ROWS.map((row) => row.service)).size);
  });

  it('watches every kind of the API with the CRD plural', () => {
    const watched = KIND_ROWS.map((row) => `${row.kind}/${row.plural}`).sort();
    expect(watched).to.deep.equal(KINDS.map((kind) => `${kind.kind}/${kind.plural}`).sort());
    expect(KINDS.every((kind) => isWatchedKind(kind.kind))).to.equal(true);
    expect(isWatchedKind('Widget')).to.equal(false);
  });

  it('resolves nothing through the prototype', () => {
    expect(Object.hasOwn(KIND_TABLE, 'toString') || 'toString' in KIND_TABLE).to.equal(false);
    expect(() => kindRow('constructor')).to.throw('has no controller');
  });
});
