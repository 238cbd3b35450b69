import { expect } from 'chai';
import { uuidv7 } from './ids.ts';

describe('UUIDv7 primary keys (RFC 9562 §5.7)', () => {
  it('are version 7, variant 10', () => {
    expect(uuidv7()).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('increase in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7());
    expect([...ids].sort()).to.deep.equal(ids);
    expect(new Set(ids).size).to.equal(ids.length);
  });

  it('carry the creation time in their first 48 bits', () => {
    const before = Date.now();
    const id = uuidv7();
    const millis = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis).to.be.within(before, Date.now());
  });
});
