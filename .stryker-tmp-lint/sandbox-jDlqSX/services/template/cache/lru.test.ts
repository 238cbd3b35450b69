// @ts-nocheck
import { expect } from 'chai';
import { Lru } from './lru.ts';

describe('Lru (bounded, least recently used out first)', () => {
  it('evicts the least recently used entry beyond capacity; a hit refreshes', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).to.equal(1);
    lru.set('c', 3);
    expect(lru.get('b')).to.equal(undefined);
    expect(lru.get('a')).to.equal(1);
    expect(lru.get('c')).to.equal(3);
    expect(lru.size).to.equal(2);
  });

  it('re-setting a key replaces it without growing', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('a', 2);
    lru.set('b', 3);
    expect(lru.size).to.equal(2);
    expect(lru.get('a')).to.equal(2);
  });

  it('keeps undefined values apart from absent keys', () => {
    const lru = new Lru<string, number | undefined>(2);
    lru.set('a', undefined);
    expect(lru.get('a')).to.equal(undefined);
    expect(lru.size).to.equal(1);
  });

  it('deleteIf removes only the value it names; delete and clear remove', () => {
    const lru = new Lru<string, object>(3);
    const first = {};
    const second = {};
    lru.set('a', first);
    lru.deleteIf('a', second);
    expect(lru.get('a')).to.equal(first);
    lru.deleteIf('a', first);
    expect(lru.get('a')).to.equal(undefined);
    lru.set('b', second);
    lru.delete('b');
    expect(lru.size).to.equal(0);
    lru.set('c', first);
    lru.clear();
    expect(lru.size).to.equal(0);
  });

  it('refuses a capacity below 1 or not an integer', () => {
    expect(() => new Lru(0)).to.throw(RangeError);
    expect(() => new Lru(1.5)).to.throw(RangeError);
    expect(new Lru(1).size).to.equal(0);
  });
});
