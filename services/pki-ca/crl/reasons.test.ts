import { expect } from 'chai';
import { x509 } from '../../template/tls/x509.ts';
import { isReasonName, reasonCode, reasonCodes, reasonName, reasonNames, type ReasonName } from './reasons.ts';

describe('pki-ca revocation reasons (RFC 5280 §5.3.1)', () => {
  it('gives every name the CRLReason code RFC 5280 assigns, leaving 7 unassigned', () => {
    expect(reasonNames.map((name) => reasonCode(name))).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 8, 9, 10]);
    expect(reasonName(7)).to.equal(undefined);
    expect(reasonName(11)).to.equal(undefined);
    expect(reasonCodes.size).to.equal(10);
  });

  it('agrees with the X509CrlReason enumeration of @peculiar/x509', () => {
    for (const name of reasonNames) expect(reasonCode(name), name).to.equal(x509.X509CrlReason[name]);
  });

  it('maps codes back to names', () => {
    for (const name of reasonNames) expect(reasonName(reasonCode(name))).to.equal(name);
  });

  it('recognises only the RFC names, case-sensitively', () => {
    for (const name of reasonNames) expect(isReasonName(name), name).to.equal(true);
    for (const value of ['KeyCompromise', 'keycompromise', '', 'removeFromCrl', 1, null, undefined, { name: 'superseded' }]) expect(isReasonName(value), JSON.stringify(value)).to.equal(false);
  });

  it('refuses a name outside the table', () => {
    expect(() => reasonCode('revoked' as ReasonName)).to.throw(RangeError, /unknown revocation reason/);
  });
});
