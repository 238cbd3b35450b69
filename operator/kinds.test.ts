import { expect } from 'chai';
import { API_VERSION, KIND_ROWS, KIND_TABLE, PLANNED_KINDS, PLANNED_ROWS, isWatchedKind, kindRow } from './kinds.ts';
import { KINDS } from './api/kinds.ts';

describe('kind table', () => {
  it('reconciles PetStore with learn-ps, KmsInstance with sm-kms, CertificateAuthority with pki-ca and JwkAuthority with jose-ja', () => {
    expect(API_VERSION).to.equal('cryptoutil.io/v1alpha1');
    expect(kindRow('PetStore')).to.deep.include({ service: 'learn-ps', port: 8480, plural: 'petstores', children: { unseal: false } });
    expect(kindRow('KmsInstance')).to.deep.include({ service: 'sm-kms', port: 8080, plural: 'kmsinstances', children: { unseal: true, unsealNamedByResource: true } });
    expect(kindRow('CertificateAuthority')).to.deep.include({ service: 'pki-ca', port: 8380, plural: 'certificateauthorities', children: { unseal: true } });
    expect(kindRow('JwkAuthority')).to.deep.include({ service: 'jose-ja', port: 8280, plural: 'jwkauthorities', children: { unseal: true } });
    expect(KIND_ROWS.map((row) => row.kind)).to.deep.equal(['PetStore', 'KmsInstance', 'CertificateAuthority', 'JwkAuthority']);
  });

  it('has no controller for kinds whose service does not exist yet', () => {
    for (const kind of PLANNED_KINDS) {
      expect(KIND_TABLE[kind]).to.equal(undefined);
      expect(() => kindRow(kind)).to.throw(`kind ${kind} has no controller; reconciled kinds: PetStore, KmsInstance, CertificateAuthority, JwkAuthority`);
    }
  });

  it('watches every kind of the API: reconciled or planned, with the CRD plural', () => {
    const watched = [...KIND_ROWS, ...PLANNED_ROWS].map((row) => `${row.kind}/${row.plural}`).sort();
    expect(watched).to.deep.equal(KINDS.map((kind) => `${kind.kind}/${kind.plural}`).sort());
    expect(KINDS.every((kind) => isWatchedKind(kind.kind))).to.equal(true);
    expect(isWatchedKind('Widget')).to.equal(false);
  });

  it('resolves nothing through the prototype', () => {
    expect(Object.hasOwn(KIND_TABLE, 'toString') || 'toString' in KIND_TABLE).to.equal(false);
    expect(() => kindRow('constructor')).to.throw('has no controller');
  });
});
