import { expect } from 'chai';
import { HASH_OIDS, timeStampReqDer } from '../testing/requests.ts';
import { parseTimeStampReq, TimeStampMalformedRequestError } from './request.ts';

describe('time-stamp request parsing (RFC 3161 §2.4.1)', function () {
  it('reads the imprint, policy, nonce, certReq and extension OIDs', function () {
    const request = parseTimeStampReq(timeStampReqDer('data', { hash: 'sha384', reqPolicy: '1.2.3.4', nonce: Uint8Array.of(0x01, 0x02), certReq: true, extensionOids: ['1.2.3.5'] }));
    expect(request.version).to.equal(1);
    expect(request.hashAlgorithm).to.equal(HASH_OIDS.sha384);
    expect(request.hashedMessage).to.have.length(48);
    expect(request.reqPolicy).to.equal('1.2.3.4');
    expect(Array.from(request.nonce ?? [])).to.deep.equal([1, 2]);
    expect(request.certReq).to.equal(true);
    expect(request.extensions).to.deep.equal(['1.2.3.5']);
  });

  it('leaves out what the request leaves out', function () {
    const request = parseTimeStampReq(timeStampReqDer('data'));
    expect(request).to.not.have.property('reqPolicy');
    expect(request).to.not.have.property('nonce');
    expect(request.certReq).to.equal(false);
    expect(request.extensions).to.deep.equal([]);
  });

  it('refuses bytes that are not one DER TimeStampReq', function () {
    const good = timeStampReqDer('data');
    for (const [bytes, message] of [
      [Uint8Array.of(1, 2, 3), 'the request is not one DER value'],
      [Uint8Array.of(...good, 0), 'the request is not one DER value'],
      [Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01), 'the request is not a TimeStampReq'],
      [Uint8Array.of(0x02, 0x01, 0x01), 'the request is not a SEQUENCE'],
    ] as const) {
      expect(() => parseTimeStampReq(bytes)).to.throw(TimeStampMalformedRequestError, message);
    }
  });
});
