// @ts-nocheck
import { expect } from 'chai';
import { resolve } from 'node:path';
import { BACKDATE_MS, DAY_MS, randomSerial, systemClock, tlsDirectory, validity } from './issuing.ts';

describe('issuing parameters', () => {
  it('serial numbers: 16 random bytes, positive, no leading zero byte (RFC 5280 §4.1.2.2)', () => {
    const serials = Array.from({ length: 64 }, randomSerial);
    for (const serial of serials) {
      expect(serial).to.match(/^[4-7][0-9a-f]{31}$/);
    }
    expect(new Set(serials).size).to.equal(serials.length);
  });

  it('validity starts slightly in the past and lasts the given days', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const { notBefore, notAfter } = validity(now, 10);
    expect(now.getTime() - notBefore.getTime()).to.equal(BACKDATE_MS);
    expect(notAfter.getTime() - now.getTime()).to.equal(10 * DAY_MS);
  });

  it('the system clock reads the current time', () => {
    expect(Math.abs(systemClock().getTime() - Date.now())).to.be.below(1000);
  });

  it('the TLS directory is absolute even for a relative dataDir', () => {
    expect(tlsDirectory('.cryptoutil')).to.equal(resolve('.cryptoutil', 'tls'));
  });
});
