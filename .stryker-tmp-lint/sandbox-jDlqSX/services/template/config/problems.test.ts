// @ts-nocheck
import { expect } from 'chai';
import { UsageError } from '../errors/index.ts';
import { Problems, fsReason } from './problems.ts';

describe('configuration problems', () => {
  it('fsReason prefers the errno code and falls back to the message', () => {
    expect(fsReason(Object.assign(new Error('no such file'), { code: 'ENOENT' }))).to.equal('ENOENT');
    expect(fsReason(new Error('disk on fire'))).to.equal('disk on fire');
  });

  it('Problems throws nothing when empty and one UsageError with every line otherwise', () => {
    const problems = new Problems();
    expect(() => { problems.throwIfAny(); }).not.to.throw();
    problems.add('first');
    problems.add('second');
    expect(() => { problems.throwIfAny(); }).to.throw(UsageError, /^first\nsecond$/);
  });
});
