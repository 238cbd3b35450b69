import { expect } from 'chai';
import { describeKeyRule, keyRuleLabels, keySizeProblem } from './key-algorithms.ts';

describe('key types of profiles', () => {
  it('EC: curves by name', () => {
    const rule = { type: 'EC', curves: ['P-256', 'P-384'] } as const;
    expect(describeKeyRule(rule)).to.equal('EC P-256/P-384');
    expect(keyRuleLabels(rule)).to.deep.equal(['EC P-256', 'EC P-384']);
    expect(keySizeProblem(rule, { type: 'EC', curve: 'P-384' })).to.equal(undefined);
    expect(keySizeProblem(rule, { type: 'EC', curve: 'P-521' })).to.equal('EC curve P-521 is not one of P-256, P-384');
  });

  it('RSA: a modulus range, both bounds included', () => {
    const rule = { type: 'RSA', minBits: 2048, maxBits: 4096 } as const;
    expect(describeKeyRule(rule)).to.equal('RSA 2048-4096 bits');
    expect(keyRuleLabels(rule)).to.deep.equal(['RSA 2048-4096']);
    expect(keySizeProblem(rule, { type: 'RSA', bits: 2048 })).to.equal(undefined);
    expect(keySizeProblem(rule, { type: 'RSA', bits: 4096 })).to.equal(undefined);
    expect(keySizeProblem(rule, { type: 'RSA', bits: 2047 })).to.equal('RSA key of 2047 bits is outside 2048-4096');
    expect(keySizeProblem(rule, { type: 'RSA', bits: 4097 })).to.equal('RSA key of 4097 bits is outside 2048-4096');
  });

  it('Ed25519: one size', () => {
    const rule = { type: 'Ed25519' } as const;
    expect(describeKeyRule(rule)).to.equal('Ed25519');
    expect(keyRuleLabels(rule)).to.deep.equal(['Ed25519']);
    expect(keySizeProblem(rule, { type: 'Ed25519' })).to.equal(undefined);
  });
});
