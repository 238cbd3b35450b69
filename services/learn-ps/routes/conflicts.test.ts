import { expect } from 'chai';
import { ConflictError } from '../../template/errors/index.ts';
import { conflictsAs } from './conflicts.ts';

describe('learn-ps constraint violations become 409 in our own words', () => {
  const isBoom = (error: unknown): boolean => error instanceof Error && error.message === 'boom';

  it('answers the detail of the first matching rule, never the original message', async () => {
    const error = await conflictsAs(Promise.reject(new Error('boom')), [[() => false, 'no'], [isBoom, 'taken']]).catch((failure: unknown) => failure);
    expect(error).to.be.instanceOf(ConflictError).and.to.include({ message: 'taken', status: 409 });
  });

  it('passes other failures through unchanged and successes untouched', async () => {
    const other = new Error('disk full');
    expect(await conflictsAs(Promise.reject(other), [[isBoom, 'taken']]).catch((failure: unknown) => failure)).to.equal(other);
    expect(await conflictsAs(Promise.resolve(7), [[isBoom, 'taken']])).to.equal(7);
  });
});
