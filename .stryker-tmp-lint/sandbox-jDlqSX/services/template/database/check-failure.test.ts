// @ts-nocheck
import { expect } from 'chai';
import { describeCheckFailure } from './check-failure.ts';
import { DeadlineExceededError } from './deadline.ts';

describe('readiness detail of a failed database check', () => {
  it('says a check ran out of time', () => {
    expect(describeCheckFailure(new DeadlineExceededError('database check', 200))).to.equal('database check did not finish within 200 ms');
  });

  it('names a connection failure by its code, not its message', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:5432 for user kms'), { code: 'ECONNREFUSED' });
    expect(describeCheckFailure(error)).to.equal('database unreachable (ECONNREFUSED)');
  });

  it('names anything else by its class, never quoting the driver', () => {
    expect(describeCheckFailure(new TypeError("near 'secret': syntax error"))).to.equal('database check failed (TypeError)');
    expect(describeCheckFailure('a string')).to.equal('database check failed');
    expect(describeCheckFailure(null)).to.equal('database check failed');
    expect(describeCheckFailure({ code: 42, name: 7 })).to.equal('database check failed');
  });
});
