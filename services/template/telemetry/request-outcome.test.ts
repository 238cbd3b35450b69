import { expect } from 'chai';
import { NotFoundError } from '../errors/index.ts';
import { finalStatus, observeRequest } from './request-outcome.ts';

describe('request outcome', () => {
  it("takes Koa's status, unless a step answered on the Node response itself", () => {
    expect(finalStatus({ status: 201, res: { statusCode: 200 } })).to.equal(201);
    expect(finalStatus({ status: 404, respond: false, res: { statusCode: 302 } })).to.equal(302);
  });

  it('reports the status an escaping error will be answered with, and rethrows it', async () => {
    const reported: number[] = [];
    const thrown = new NotFoundError('no such pet');
    let caught: unknown;
    try {
      await observeRequest({ status: 200, res: { statusCode: 200 } }, () => Promise.reject(thrown), (status, durationMs) => {
        reported.push(status);
        expect(durationMs).to.be.at.least(0);
      });
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).to.equal(thrown);
    expect(reported).to.deep.equal([404]);
  });

  it('reports the final status of a request that returned', async () => {
    const reported: number[] = [];
    await observeRequest({ status: 404, respond: false, res: { statusCode: 303 } }, () => Promise.resolve(), (status) => { reported.push(status); });
    expect(reported).to.deep.equal([303]);
  });
});
