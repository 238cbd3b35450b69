import { expect } from 'chai';
import { decodeProtobuf } from './protobuf.ts';
import { ApiError } from './objects.ts';

/** A tiny protobuf writer: enough to build the bodies kubectl sends, and broken ones. */
function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
const bytesField = (number: number, value: Buffer | string): Buffer => {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint((number << 3) | 2), varint(data.length), data]);
};
const varintField = (number: number, value: number): Buffer => Buffer.concat([varint(number << 3), varint(value)]);
const entry = (number: number, key: string, value: Buffer | string): Buffer => bytesField(number, Buffer.concat([bytesField(1, key), bytesField(2, value)]));
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytesField(1, Buffer.concat([bytesField(1, apiVersion), bytesField(2, kind)])), bytesField(2, raw), bytesField(3, ''), bytesField(4, '')]);

function failure(body: Buffer): ApiError {
  try {
    decodeProtobuf(body);
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('kube-sim protobuf request bodies (kubectl create configmap|secret|namespace)', () => {
  // What gogo-protobuf writes for an ObjectMeta with only a name: every other field as its zero value.
  const meta = (extra: Buffer = Buffer.alloc(0)): Buffer => bytesField(1, Buffer.concat([bytesField(1, 'x'), bytesField(2, ''), bytesField(3, ''), varintField(7, 0), bytesField(8, Buffer.concat([varintField(1, 0), varintField(2, 0)])), extra]));

  it('decodes a ConfigMap with labels, annotations, finalizers, data, binaryData and immutable', () => {
    const metadata = meta(Buffer.concat([entry(11, 'app', 'web'), entry(12, 'note', 'n'), bytesField(14, 'example.com/hold')]));
    const raw = Buffer.concat([metadata, entry(2, 'a', 'b'), entry(3, 'bin', Buffer.from([0, 255])), varintField(4, 1)]);
    expect(decodeProtobuf(envelope('v1', 'ConfigMap', raw))).to.deep.equal({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: { app: 'web' }, annotations: { note: 'n' }, finalizers: ['example.com/hold'] },
      data: { a: 'b' },
      binaryData: { bin: Buffer.from([0, 255]).toString('base64') },
      immutable: true,
    });
  });

  it('decodes a Secret: data as base64, stringData as text, its type', () => {
    const raw = Buffer.concat([meta(), entry(2, 'p', 'q'), bytesField(3, 'kubernetes.io/tls'), entry(4, 's', 't'), varintField(5, 0)]);
    expect(decodeProtobuf(envelope('v1', 'Secret', raw))).to.deep.equal({
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' }, data: { p: Buffer.from('q').toString('base64') }, type: 'kubernetes.io/tls', stringData: { s: 't' }, immutable: false,
    });
  });

  it('decodes DeleteOptions as helm sends them: grace period, preconditions, propagation, orphan, dry run', () => {
    const preconditions = bytesField(2, Buffer.concat([bytesField(1, 'the-uid'), bytesField(2, '42')]));
    const raw = Buffer.concat([varintField(1, 30), preconditions, varintField(3, 1), bytesField(4, 'Foreground'), bytesField(5, 'All'), bytesField(5, 'Other'), varintField(6, 0)]);
    expect(decodeProtobuf(envelope('meta.k8s.io/v1', 'DeleteOptions', raw))).to.deep.equal({
      apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 30, preconditions: { uid: 'the-uid', resourceVersion: '42' }, orphanDependents: true, propagationPolicy: 'Foreground', dryRun: ['All', 'Other'],
    });
    expect(decodeProtobuf(envelope('v1', 'DeleteOptions', varintField(3, 0)))).to.deep.equal({ apiVersion: 'v1', kind: 'DeleteOptions', orphanDependents: false });
    expect(failure(envelope('v1', 'DeleteOptions', varintField(6, 1))).message).to.include('DeleteOptions field 6 is not decoded');
    expect(failure(envelope('apps/v1', 'DeleteOptions', Buffer.alloc(0))).code).to.equal(415);
  });

  it('refuses other kinds and fields it does not decode with 415 naming what it takes', () => {
    const other = failure(envelope('apps/v1', 'Deployment', meta()));
    expect(other.code).to.equal(415);
    expect(other.message).to.include('only for v1 ConfigMap, Secret and Namespace').and.include('got apps/v1 Deployment').and.include('send application/json instead');
    expect(failure(envelope('v1', 'constructor', meta())).code).to.equal(415);
    expect(failure(envelope('v1', 'ConfigMap', meta(bytesField(5, 'a-uid')))).message).to.include('metadata field 5 is not decoded');
    expect(failure(envelope('v1', 'ConfigMap', Buffer.concat([meta(), bytesField(9, 'x')]))).message).to.include('ConfigMap field 9 is not decoded');
    const encoded = Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytesField(3, 'gzip')]);
    expect(failure(encoded).message).to.include('content encoding gzip is not supported');
  });

  it('answers 400 for a body that is not the Kubernetes protobuf envelope or is cut short', () => {
    expect(failure(Buffer.from('{"a":1}')).code).to.equal(400);
    const truncated = envelope('v1', 'ConfigMap', meta()).subarray(0, 20);
    expect(failure(truncated)).to.include({ code: 400, message: 'truncated protobuf message' });
    const wire3 = Buffer.concat([Buffer.from('k8s\0', 'latin1'), varint((1 << 3) | 3)]);
    expect(failure(wire3).message).to.equal('protobuf wire type 3 is not supported');
  });
});
