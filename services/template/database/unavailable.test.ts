import { expect } from 'chai';
import { DriverException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { isDatabaseUnavailable } from './unavailable.ts';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

describe('database unavailable errors (503, not 500)', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '53300']) {
    it(`recognises ${code} from the driver`, () => {
      expect(isDatabaseUnavailable(withCode(code))).to.equal(true);
    });
  }

  it('recognises a MikroORM DriverException that copied the driver code', () => {
    expect(isDatabaseUnavailable(new DriverException(withCode('57P01', 'terminating connection due to administrator command')))).to.equal(true);
  });

  for (const message of ['Connection terminated unexpectedly', 'Connection terminated due to connection timeout', 'timeout exceeded when trying to connect']) {
    it(`recognises the codeless pool error "${message}"`, () => {
      expect(isDatabaseUnavailable(new Error(message))).to.equal(true);
    });
  }

  it('looks along the cause chain', () => {
    const wrapped = new Error('could not load', { cause: new Error('outer', { cause: withCode('ECONNREFUSED') }) });
    expect(isDatabaseUnavailable(wrapped)).to.equal(true);
  });

  it('stops after a bounded number of causes, even on a cycle', () => {
    const cyclic = new Error('a') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(isDatabaseUnavailable(cyclic)).to.equal(false);
    let deep: Error = withCode('ECONNREFUSED');
    for (let index = 0; index < 10; index += 1) deep = new Error('wrap', { cause: deep });
    expect(isDatabaseUnavailable(deep)).to.equal(false);
  });

  it('leaves query failures, other codes and non-errors alone', () => {
    expect(isDatabaseUnavailable(new UniqueConstraintViolationException(withCode('23505', 'duplicate key')))).to.equal(false);
    expect(isDatabaseUnavailable(withCode('42P01', 'relation does not exist'))).to.equal(false);
    expect(isDatabaseUnavailable(new Error('the Connection terminated here'))).to.equal(false);
    expect(isDatabaseUnavailable({ code: 12 })).to.equal(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).to.equal(false);
    expect(isDatabaseUnavailable(undefined)).to.equal(false);
  });
});
