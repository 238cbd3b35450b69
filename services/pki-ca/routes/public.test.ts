import { expect } from 'chai';
import type { Middleware } from 'koa';
import type { RequestState } from '../../template/service.ts';
import { chainRoutes } from './public.ts';

type Ctx = Parameters<Middleware<RequestState>>[0];

describe('pki-ca public route chaining', () => {
  it('runs each route in order and goes on past the last', async () => {
    const seen: string[] = [];
    const step = (name: string, serve: boolean): Middleware<RequestState> => async (_ctx, next) => {
      seen.push(name);
      if (!serve) await next();
    };
    let passed = false;
    await chainRoutes([step('a', false), step('b', false)])({} as Ctx, () => { passed = true; return Promise.resolve(); });
    expect(seen).to.deep.equal(['a', 'b']);
    expect(passed).to.equal(true);
    seen.length = 0;
    passed = false;
    await chainRoutes([step('a', true), step('b', false)])({} as Ctx, () => { passed = true; return Promise.resolve(); });
    expect(seen).to.deep.equal(['a']);
    expect(passed).to.equal(false);
  });
});
