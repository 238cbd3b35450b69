import { expect } from 'chai';
import { SERIAL_OCTETS, newSerialHex } from './serial.ts';

describe('pki-ca serial numbers', function () {
  it('are 32 lowercase hex characters whose first octet is 0x40 to 0x7f (positive, never shortened)', function () {
    for (let index = 0; index < 200; index++) {
      const serial = newSerialHex();
      expect(serial).to.match(/^[4-7][0-9a-f]{31}$/);
      expect(Buffer.from(serial, 'hex')).to.have.length(SERIAL_OCTETS);
    }
  });

  it('are not repeated', function () {
    const serials = new Set(Array.from({ length: 1000 }, () => newSerialHex()));
    expect(serials.size).to.equal(1000);
  });
});
