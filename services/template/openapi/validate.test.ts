import { expect } from 'chai';
import { UnsupportedMediaTypeError, ValidationError } from '../errors/index.ts';
import type { OperationSpec } from './document.ts';
import { compileRequestValidator, type RawRequest } from './validate.ts';

const operation = (extra: Partial<OperationSpec>): OperationSpec => ({
  operationId: 'op', method: 'POST', path: '/x', koaPath: '/x', public: true, scopes: [], parameters: [], ...extra,
});

const raw = (extra: Partial<RawRequest>): RawRequest => ({
  pathParams: {}, query: {}, header: () => undefined, contentType: undefined, body: undefined, ...extra,
});

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('request validation (media type ranges, RFC 9110 §12.5.1)', () => {
  const wildcard = compileRequestValidator(operation({ requestBody: { required: true, content: [{ mediaType: 'image/*' }, { mediaType: '*/*' }] } }));

  it('matches a type/* range and */* against any declared type', () => {
    expect(() => wildcard(raw({ contentType: 'image/png', body: Buffer.from('x') }))).not.to.throw();
    expect(() => wildcard(raw({ contentType: 'text/csv', body: Buffer.from('x') }))).not.to.throw();
  });

  it('answers 415 when a body comes without any content type', () => {
    expect(failure(() => wildcard(raw({ body: Buffer.from('x') })))).to.be.instanceOf(UnsupportedMediaTypeError);
  });

  it('accepts an absent optional body without looking at its type', () => {
    const optional = compileRequestValidator(operation({ requestBody: { required: false, content: [{ mediaType: 'application/json', schema: { type: 'object' } }] } }));
    expect(optional(raw({}))).to.deep.equal({ params: {}, query: {} });
  });

  it('does not validate a JSON schema against a binary type matched through a range', () => {
    const ranged = compileRequestValidator(operation({ requestBody: { required: true, content: [{ mediaType: 'application/*', schema: { type: 'object' } }] } }));
    expect(() => ranged(raw({ contentType: 'application/octet-stream', body: Buffer.from('x') }))).not.to.throw();
    expect(failure(() => ranged(raw({ contentType: 'application/json', body: 'text' })))).to.be.instanceOf(ValidationError);
  });

  it('gives each request its own copy of an array default, and a number default as it is', () => {
    const validate = compileRequestValidator(operation({
      parameters: [
        { name: 'tags', in: 'query', required: false, explode: true, default: ['a'], schema: { type: 'array', items: { type: 'string' } } },
        { name: 'size', in: 'query', required: false, explode: true, default: 20, schema: { type: 'integer' } },
      ],
    }));
    const first = validate(raw({})).query;
    expect(first).to.deep.equal({ tags: ['a'], size: 20 });
    (first.tags as string[]).push('changed by a handler');
    expect(validate(raw({})).query).to.deep.equal({ tags: ['a'], size: 20 });
  });

  it('names a missing required query parameter', () => {
    const validate = compileRequestValidator(operation({ parameters: [{ name: 'q', in: 'query', required: true, explode: true, schema: { type: 'string' } }] }));
    const error = failure(() => validate(raw({})));
    expect(error).to.be.instanceOf(ValidationError).with.deep.property('errors', [{ pointer: '/query/q', message: 'is required' }]);
  });

  it('refuses a number that is not finite, which Ajv would coerce and pass even past a maximum', () => {
    const validate = compileRequestValidator(operation({
      parameters: [
        { name: 'page', in: 'query', required: false, explode: true, schema: { type: 'integer', minimum: 0, maximum: 1000000 } },
        { name: 'ids', in: 'query', required: false, explode: true, schema: { type: 'array', items: { type: 'number' } } },
      ],
    }));
    for (const page of ['Infinity', '1e309', '-Infinity']) {
      expect(failure(() => validate(raw({ query: { page } }))), page).to.be.instanceOf(ValidationError)
        .with.deep.property('errors').that.deep.includes({ pointer: '/query/page', message: 'must be a finite number' });
    }
    expect(failure(() => validate(raw({ query: { ids: ['1', '1e999'] } })))).to.be.instanceOf(ValidationError)
      .with.deep.property('errors', [{ pointer: '/query/ids', message: 'must be a finite number' }]);
    expect(validate(raw({ query: { page: '1e6', ids: ['2.5'] } }))).to.deep.equal({ params: {}, query: { page: 1000000, ids: [2.5] } });
  });

  it('refuses U+0000 in any parameter or JSON body string, naming the field (the databases cannot store it)', () => {
    const validate = compileRequestValidator(operation({
      parameters: [
        { name: 'species', in: 'query', required: false, explode: true, schema: { type: 'string' } },
        { name: 'tags', in: 'query', required: false, explode: true, schema: { type: 'array', items: { type: 'string' } } },
      ],
      requestBody: { required: false, content: [{ mediaType: 'application/json', schema: { type: 'object' } }] },
    }));
    const nul = { message: 'must not contain U+0000' };
    expect(failure(() => validate(raw({ query: { species: 'cat\u0000' } })))).to.be.instanceOf(ValidationError).with.deep.property('errors', [{ pointer: '/query/species', ...nul }]);
    expect(failure(() => validate(raw({ query: { tags: ['a', '\u0000'] } })))).to.be.instanceOf(ValidationError).with.deep.property('errors', [{ pointer: '/query/tags', ...nul }]);
    const body = { name: 'x\u0000y', nested: { 'a/b': ['ok', '\u0000'] }, count: 1 };
    expect(failure(() => validate(raw({ contentType: 'application/json', body })))).to.be.instanceOf(ValidationError)
      .with.deep.property('errors', [{ pointer: '/body/name', ...nul }, { pointer: '/body/nested/a~1b', ...nul }]);
    expect(validate(raw({ query: { species: 'cat' }, contentType: 'application/json', body: { name: 'fine', list: [1, null, [{ deep: 'x' }]] } }))).to.deep.equal({ params: {}, query: { species: 'cat' } });
    // Nesting far deeper than a call stack would follow is walked all the same.
    const deep = JSON.parse(`${'{"a":'.repeat(20_000)}"\\u0000"${'}'.repeat(20_000)}`) as unknown;
    const refused = failure(() => validate(raw({ contentType: 'application/json', body: deep }))) as ValidationError;
    expect(refused.errors[0]?.pointer).to.equal(`/body${'/a'.repeat(20_000)}`);
  });

  it('reads header parameters through the request and ignores undeclared ones', () => {
    const validate = compileRequestValidator(operation({ parameters: [{ name: 'X-Count', in: 'header', required: true, explode: false, schema: { type: 'integer' } }] }));
    expect(validate(raw({ header: (name) => (name === 'X-Count' ? '4' : undefined), query: { other: '1' } }))).to.deep.equal({ params: {}, query: {} });
  });

  it('splits unexploded arrays on commas and leaves scalars with commas alone', () => {
    const validate = compileRequestValidator(operation({
      parameters: [
        { name: 'ids', in: 'path', required: true, explode: false, schema: { type: ['array'], items: { type: 'integer' } } },
        { name: 'q', in: 'query', required: false, explode: false, schema: { type: 'string' } },
      ],
    }));
    expect(validate(raw({ pathParams: { ids: '1,2' }, query: { q: 'a,b' } }))).to.deep.equal({ params: { ids: [1, 2] }, query: { q: 'a,b' } });
  });
});
