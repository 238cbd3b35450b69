// @ts-nocheck
import { expect } from 'chai';
import {
  BadRequestError, ConflictError, ForbiddenError, InternalError, MethodNotAllowedError, NotFoundError,
  PayloadTooLargeError, ProblemError, ServiceUnavailableError, TooManyRequestsError, UnauthorizedError,
  UnprocessableEntityError, UnsupportedMediaTypeError, UsageError, ValidationError,
} from './index.ts';

describe('error hierarchy (RFC 9457 sources)', () => {
  const cases: [ProblemError, number, string][] = [
    [new BadRequestError('bad'), 400, 'bad_request'],
    [new ValidationError([{ pointer: '/body/name', message: 'is required' }]), 400, 'validation_failed'],
    [new UnauthorizedError('no token'), 401, 'unauthorized'],
    [new ForbiddenError('scope'), 403, 'forbidden'],
    [new NotFoundError(), 404, 'not_found'],
    [new MethodNotAllowedError(['GET', 'PUT']), 405, 'method_not_allowed'],
    [new ConflictError('dup'), 409, 'conflict'],
    [new PayloadTooLargeError(10), 413, 'payload_too_large'],
    [new UnsupportedMediaTypeError('text/plain'), 415, 'unsupported_media_type'],
    [new UnprocessableEntityError('unknown pet'), 422, 'unprocessable_entity'],
    [new TooManyRequestsError(2), 429, 'too_many_requests'],
    [new ServiceUnavailableError('sealed', 5), 503, 'service_unavailable'],
    [new InternalError(new Error('db down')), 500, 'internal_error'],
  ];
  for (const [error, status, code] of cases) {
    it(`${error.name} is ${status} ${code}`, () => {
      expect(error).to.be.instanceOf(ProblemError);
      expect(error.status).to.equal(status);
      expect(error.code).to.equal(code);
      expect(error.name).to.equal(error.constructor.name);
    });
  }

  it('exposes client errors and 503 but hides other server errors', () => {
    expect(new ConflictError('x').expose).to.equal(true);
    expect(new ServiceUnavailableError('sealed').expose).to.equal(true);
    expect(new InternalError().expose).to.equal(false);
  });

  it('names the first failing field in a validation error', () => {
    const error = new ValidationError([{ pointer: '/query/size', message: 'must be <= 100' }]);
    expect(error.message).to.equal('/query/size must be <= 100');
    expect(error.errors).to.have.length(1);
    expect(new ValidationError([]).message).to.equal('request is invalid');
  });

  it('carries the headers HTTP requires', () => {
    expect(new UnauthorizedError('x').headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer' });
    expect(new UnauthorizedError('x', 'Bearer error="invalid_token"').headers['WWW-Authenticate']).to.equal('Bearer error="invalid_token"');
    expect(new MethodNotAllowedError(['GET', 'PUT']).headers).to.deep.equal({ Allow: 'GET, PUT' });
    expect(new TooManyRequestsError(3).headers).to.deep.equal({ 'Retry-After': '3' });
    expect(new ServiceUnavailableError('draining').headers).to.deep.equal({});
    expect(new ForbiddenError('x', { headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' } }).headers)
      .to.have.property('WWW-Authenticate');
    expect(new BadRequestError('x').headers).to.deep.equal({});
  });

  it('keeps the cause for logging without putting it in the detail', () => {
    const cause = new Error('SELECT secret FROM keys');
    const error = new InternalError(cause);
    expect(error.cause).to.equal(cause);
    expect(error.message).to.equal('internal error');
  });

  it('marks usage errors with exit code 2', () => {
    const error = new UsageError('unknown key "x" in config file a.yml');
    expect(error.exitCode).to.equal(2);
    expect(error.name).to.equal('UsageError');
  });
});
