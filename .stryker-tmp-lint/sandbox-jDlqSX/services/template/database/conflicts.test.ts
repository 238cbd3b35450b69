// @ts-nocheck
import { expect } from 'chai';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConflictError } from '../errors/index.ts';
import { flushOrConflict } from './conflicts.ts';

function failingWith(error: Error): { flush: () => Promise<void> } {
  return { flush: () => Promise.reject(error) };
}

describe('flushOrConflict', () => {
  it('turns a unique violation into 409 with our words, not the driver\'s', async () => {
    const error = await flushOrConflict(failingWith(new UniqueConstraintViolationException(new Error('duplicate key value (name)=(secret-name)'))), 'taken')
      .then(() => undefined, (failure: unknown) => failure);
    expect(error).to.be.instanceOf(ConflictError);
    expect((error as ConflictError).message).to.equal('taken');
  });

  it('passes any other failure through and resolves when the flush does', async () => {
    const other = new Error('connection lost');
    expect(await flushOrConflict(failingWith(other), 'taken').then(() => undefined, (failure: unknown) => failure)).to.equal(other);
    let flushed = 0;
    await flushOrConflict({ flush: () => { flushed += 1; return Promise.resolve(); } }, 'taken');
    expect(flushed).to.equal(1);
  });
});
