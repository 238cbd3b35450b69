import { expect } from 'chai';
import type { KeyUsageName } from '../contract.ts';
import { extendedKeyUsageOid, extendedKeyUsageOids } from './eku.ts';
import { keyUsageFor } from './key-usage.ts';
import { extendedKeyUsageNames, keyUsageNames } from './schema.ts';

describe('key usage by key type (RFC 5280 §4.2.1.3, RFC 8813, RFC 8410)', () => {
  const all: readonly KeyUsageName[] = keyUsageNames;

  it('RSA keys sign and encipher, but do not agree keys', () => {
    expect(keyUsageFor(all, 'RSA')).to.deep.equal(['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyCertSign', 'cRLSign']);
  });

  it('EC keys sign and agree keys, but do not encipher', () => {
    expect(keyUsageFor(all, 'EC')).to.deep.equal(['digitalSignature', 'nonRepudiation', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly']);
  });

  it('Ed25519 keys only sign', () => {
    expect(keyUsageFor(all, 'Ed25519')).to.deep.equal(['digitalSignature', 'nonRepudiation', 'keyCertSign', 'cRLSign']);
  });

  it('keeps the profile order and drops nothing a key can do', () => {
    expect(keyUsageFor(['keyEncipherment', 'digitalSignature'], 'RSA')).to.deep.equal(['keyEncipherment', 'digitalSignature']);
    expect(keyUsageFor(['keyEncipherment', 'keyAgreement'], 'Ed25519')).to.deep.equal([]);
  });
});

describe('extended key usage OIDs (RFC 5280 §4.2.1.12)', () => {
  it('maps every name the schema allows', () => {
    expect(Object.keys(extendedKeyUsageOids).sort()).to.deep.equal([...extendedKeyUsageNames].sort());
    expect(extendedKeyUsageOid('serverAuth')).to.equal('1.3.6.1.5.5.7.3.1');
    expect(extendedKeyUsageOid('clientAuth')).to.equal('1.3.6.1.5.5.7.3.2');
    expect(extendedKeyUsageOid('codeSigning')).to.equal('1.3.6.1.5.5.7.3.3');
    expect(extendedKeyUsageOid('emailProtection')).to.equal('1.3.6.1.5.5.7.3.4');
    expect(extendedKeyUsageOid('timeStamping')).to.equal('1.3.6.1.5.5.7.3.8');
    expect(extendedKeyUsageOid('OCSPSigning')).to.equal('1.3.6.1.5.5.7.3.9');
    expect(extendedKeyUsageOid('ipsecIKE')).to.equal('1.3.6.1.5.5.7.3.17');
    expect(extendedKeyUsageOid('documentSigning')).to.equal('1.3.6.1.5.5.7.3.36');
  });

  it('passes an OID through, and does not resolve inherited names', () => {
    expect(extendedKeyUsageOid('1.3.6.1.4.1.311.10.3.12')).to.equal('1.3.6.1.4.1.311.10.3.12');
    expect(extendedKeyUsageOid('toString')).to.equal('toString');
  });
});
