// @ts-nocheck
import { expect } from 'chai';
import { bundleSchema, dereference } from './refs.ts';

const document = {
  components: {
    schemas: {
      Name: { type: 'string', minLength: 1 },
      'Odd~Name': { type: 'integer' },
      Tree: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Tree' } } } },
    },
  },
};

describe('local $ref handling (RFC 6901 pointers)', () => {
  it('follows a chain of references to its target', () => {
    const chained = { ...document, alias: { $ref: '#/components/schemas/Name' } };
    expect(dereference(chained, { $ref: '#/alias' })).to.equal(document.components.schemas.Name);
    expect(dereference(chained, 'plain')).to.equal('plain');
  });

  it('leaves boolean schemas and schemas without references as they are', () => {
    expect(bundleSchema(document, true, 'here')).to.equal(true);
    expect(bundleSchema(document, { type: 'string' }, 'here')).to.deep.equal({ type: 'string' });
  });

  it('copies referenced components under $defs and rewrites the pointers, escaping ~ and /', () => {
    const bundled = bundleSchema(document, { allOf: [{ $ref: '#/components/schemas/Name' }, { $ref: '#/components/schemas/Odd~0Name' }] }, 'here');
    expect(bundled).to.deep.equal({
      allOf: [{ $ref: '#/$defs/components~1schemas~1Name' }, { $ref: '#/$defs/components~1schemas~1Odd~00Name' }],
      $defs: {
        'components/schemas/Name': { type: 'string', minLength: 1 },
        'components/schemas/Odd~0Name': { type: 'integer' },
      },
    });
  });

  it('bundles a recursive schema once', () => {
    const bundled = bundleSchema(document, { $ref: '#/components/schemas/Tree' }, 'here');
    expect(bundled).to.have.nested.property('$defs.components/schemas/Tree.properties.children.items.$ref', '#/$defs/components~1schemas~1Tree');
  });

  it('treats const, enum, default and examples as data, and property maps as schemas', () => {
    const schema = {
      const: { $ref: '#/not/a/schema' },
      examples: [{ $ref: '#/nothing' }],
      properties: { default: { $ref: '#/components/schemas/Name' } },
      $defs: { Local: { type: 'null' } },
    };
    const bundled = bundleSchema(document, schema, 'here');
    expect(bundled).to.deep.equal({
      const: { $ref: '#/not/a/schema' },
      examples: [{ $ref: '#/nothing' }],
      properties: { default: { $ref: '#/$defs/components~1schemas~1Name' } },
      $defs: { Local: { type: 'null' }, 'components/schemas/Name': { type: 'string', minLength: 1 } },
    });
  });

  it('does not change the document it reads', () => {
    const before = JSON.stringify(document);
    bundleSchema(document, { $ref: '#/components/schemas/Tree' }, 'here');
    expect(JSON.stringify(document)).to.equal(before);
  });

  it('refuses a pointer that is not a JSON pointer', () => {
    expect(() => dereference(document, { $ref: '#components' })).to.throw(/only local references/);
  });
});
