import { expect } from 'chai';
import type { JsonSchema } from '../../operator/api/schema.ts';
import { checkRules } from './cel.ts';
import type { Json } from './objects.ts';
import { validate } from './schema.ts';

const item: JsonSchema = { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' }, alg: { type: 'string' } } };
const withRule = (rule: string): JsonSchema => ({ ...item, 'x-kubernetes-validations': [{ rule, message: 'kept' }] });

describe('kube-sim list types and CEL rules on list items (as the API server)', () => {
  it('x-kubernetes-list-type set: a repeated value is a Duplicate at its index', () => {
    const schema: JsonSchema = { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' };
    expect(validate(['a', 'b', 'a'], schema, 'spec.names')).to.deep.equal([{ reason: 'FieldValueDuplicate', field: 'spec.names[2]', message: 'Duplicate value: "a"' }]);
    expect(validate(['a', 'b'], schema, 'spec.names')).to.deep.equal([]);
  });

  it('x-kubernetes-list-type map: items are unique by every key together; atomic lists may repeat', () => {
    const schema: JsonSchema = { type: 'array', items: item, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name', 'port'] };
    const list: Json[] = [{ name: 'a', port: 1 }, { name: 'a', port: 2 }, { name: 'a', port: 1, alg: 'x' }];
    expect(validate(list, schema, 'spec.ports')).to.deep.equal([{ reason: 'FieldValueDuplicate', field: 'spec.ports[2]', message: 'Duplicate value: map[string]interface {}{"name":"a", "port":1}' }]);
    expect(validate(list, { ...schema, 'x-kubernetes-list-type': 'atomic' }, 'spec.ports')).to.deep.equal([]);
  });

  it('runs item rules per item; a transition rule sees the old item of the same keys in a map list, none in an atomic list', () => {
    const map: JsonSchema = { type: 'array', items: withRule('self.alg == oldSelf.alg'), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] };
    const old = [{ name: 'a', alg: 'x' }, { name: 'b', alg: 'y' }];
    expect(checkRules([{ name: 'b', alg: 'y' }, { name: 'a', alg: 'z' }, { name: 'c', alg: 'q' }], old, map, 'spec.sets')).to.deep.equal([{ reason: 'FieldValueInvalid', field: 'spec.sets[1]', message: 'Invalid value: "object": kept' }]);
    expect(checkRules([{ name: 'a', alg: 'z' }], old, { ...map, 'x-kubernetes-list-type': 'atomic' }, 'spec.sets')).to.deep.equal([]);
    expect(checkRules([{ name: 'a', alg: 'z' }], undefined, map, 'spec.sets')).to.deep.equal([]);
    expect(checkRules([{ name: 'a', alg: '' }, 'text'], undefined, { type: 'array', items: withRule("self.alg != ''") }, 'spec.sets')).to.have.length(2);
  });
});
