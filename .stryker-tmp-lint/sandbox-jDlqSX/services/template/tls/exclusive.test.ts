// @ts-nocheck
import { expect } from 'chai';
import { exclusive } from './exclusive.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('exclusive work per TLS directory', () => {
  it('runs tasks under one key one after another, in call order', async () => {
    const order: string[] = [];
    const gate = deferred();
    const first = exclusive('dir', async () => {
      order.push('first starts');
      await gate.promise;
      order.push('first ends');
      return 1;
    });
    const second = exclusive('dir', () => {
      order.push('second');
      return Promise.resolve(2);
    });
    await Promise.resolve();
    gate.resolve();
    expect(await Promise.all([first, second])).to.deep.equal([1, 2]);
    expect(order).to.deep.equal(['first starts', 'first ends', 'second']);
  });

  it('runs the next task even when the previous one failed', async () => {
    const failed = exclusive('dir', () => Promise.reject(new Error('boom')));
    const next = exclusive('dir', () => Promise.resolve('next'));
    let message = '';
    await failed.catch((error: unknown) => {
      message = (error as Error).message;
    });
    expect(message).to.equal('boom');
    expect(await next).to.equal('next');
  });

  it('does not hold back work under another key', async () => {
    const gate = deferred();
    const blocked = exclusive('a', () => gate.promise);
    expect(await exclusive('b', () => Promise.resolve('free'))).to.equal('free');
    gate.resolve();
    await blocked;
  });
});
