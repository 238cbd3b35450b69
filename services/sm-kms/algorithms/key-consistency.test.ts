import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { keyConsistent, publicMismatch } from './key-consistency.ts';

function ecMembers(namedCurve: 'P-256' | 'P-384' | 'P-521'): Record<string, unknown> {
  return generateKeyPairSync('ec', { namedCurve }).privateKey.export({ format: 'jwk' });
}

function rsaMembers(): Record<string, unknown> {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
}

function edMembers(): Record<string, unknown> {
  return generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
}

// The import path reaches this check only with members node has parsed; whether node parses an
// out-of-range scalar differs between Node releases, so the check is proven here on its own.
describe('sm-kms pairwise key consistency (FIPS 140-3 import check)', () => {
  it('accepts the members of one EC key pair on every JOSE curve', () => {
    for (const crv of ['P-256', 'P-384', 'P-521'] as const) expect(keyConsistent('EC', ecMembers(crv)), crv).to.equal(true);
  });

  it('refuses EC public members of another key', () => {
    const [a, b] = [ecMembers('P-256'), ecMembers('P-256')];
    expect(keyConsistent('EC', { ...a, x: b.x, y: b.y })).to.equal(false);
  });

  it('fails closed when the scalar is out of range (d = 0 derives no point)', () => {
    expect(keyConsistent('EC', { ...ecMembers('P-384'), d: 'AA' })).to.equal(false);
  });

  it('fails closed on a curve it does not know', () => {
    expect(keyConsistent('EC', { ...ecMembers('P-256'), crv: 'secp256k1' })).to.equal(false);
  });

  it('leaves oct and OKP keys to the general comparison', () => {
    expect(keyConsistent('oct', {})).to.equal(true);
    expect(keyConsistent('OKP', {})).to.equal(true);
  });

  it('tells a point that belongs to another key from a private member that derives none', () => {
    const [a, b] = [ecMembers('P-256'), ecMembers('P-256')];
    expect(publicMismatch('EC', a)).to.equal(false);
    expect(publicMismatch('EC', { ...a, x: b.x })).to.equal(true);
    expect(publicMismatch('EC', { ...a, y: b.y })).to.equal(true);
    expect(publicMismatch('EC', { ...a, x: 'AAAA' })).to.equal(true);
    expect(publicMismatch('EC', { ...a, d: 'AA' })).to.equal(false);
    const [e, f] = [edMembers(), edMembers()];
    expect(publicMismatch('OKP', e)).to.equal(false);
    expect(publicMismatch('OKP', { ...e, x: f.x })).to.equal(true);
    expect(publicMismatch('OKP', { ...e, d: 'AAAA' })).to.equal(false);
    const [r, o] = [rsaMembers(), rsaMembers()];
    expect(publicMismatch('RSA', r)).to.equal(false);
    expect(publicMismatch('RSA', { ...r, p: o.p })).to.equal(true);
    expect(publicMismatch('RSA', { ...r, n: 'AAAA' })).to.equal(false);
    expect(publicMismatch('oct', {})).to.equal(false);
  });
});
