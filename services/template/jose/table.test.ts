import { constants } from 'node:crypto';
import { expect } from 'chai';
import { ProblemError } from '../errors/index.ts';
import { UnsupportedAlgorithmError } from './errors.ts';
import { ALGORITHM_NAMES, RSA_SHAPE, drawsRandomIvUnderKey, resolveAlgorithm, resolveSpec } from './table.ts';

const ENCS = ['A128GCM', 'A192GCM', 'A256GCM', 'A128CBC-HS256', 'A192CBC-HS384', 'A256CBC-HS512'];
const ALGS = [
  'dir', 'A128KW', 'A192KW', 'A256KW', 'A128GCMKW', 'A192GCMKW', 'A256GCMKW',
  'RSA-OAEP', 'RSA-OAEP-256', 'RSA-OAEP-384', 'RSA-OAEP-512', 'ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A192KW', 'ECDH-ES+A256KW',
];
const JWS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** RFC 7518 §5.2.3–5.2.5 and §5.3: CEK bits of each enc. */
const ENC_BITS: Record<string, number> = { A128GCM: 128, A192GCM: 192, A256GCM: 256, 'A128CBC-HS256': 256, 'A192CBC-HS384': 384, 'A256CBC-HS512': 512 };

function oct(bits: number, maxBits = bits) {
  return { kty: 'oct', crv: '', bits, minBits: bits, maxBits };
}
function curve(kty: string, crv: string) {
  return { kty, crv, bits: 0, minBits: 0, maxBits: 0 };
}
const RSA = { kty: 'RSA', crv: '', bits: 3072, minBits: 2048, maxBits: 4096 };

/** The key every `alg` needs, written from RFC 7518 §4 independently of the table. */
function expectedJweKey(enc: string, alg: string) {
  if (alg === 'dir') return oct(ENC_BITS[enc] ?? 0);
  if (alg.startsWith('RSA-OAEP')) return RSA;
  if (alg.startsWith('ECDH-ES')) return curve('EC', 'P-256');
  return oct(Number(alg.slice(1, 4)));
}

function expectedNative(enc: string, alg: string) {
  const gcm = /^A(\d{3})GCM$/.exec(enc);
  const kw = /^A(\d{3})KW$/.exec(alg);
  if (gcm === null || (alg !== 'dir' && kw === null)) return undefined;
  return { contentCipher: `aes-${gcm[1] ?? ''}-gcm`, wrapCipher: kw === null ? undefined : `id-aes${kw[1] ?? ''}-wrap`, cekBytes: Number(gcm[1]) / 8 };
}

/** NIST SP 800-38D §8.3: the rows that draw a random GCM IV under the material key (dir + A*GCM, A*GCMKW). */
function expectedRandomIv(enc: string, alg: string): boolean {
  return (alg === 'dir' && enc.endsWith('GCM')) || alg.endsWith('GCMKW');
}

function thrown(action: () => unknown): ProblemError {
  try {
    action();
  } catch (error) {
    expect(error).to.be.instanceOf(ProblemError);
    return error as ProblemError;
  }
  throw new Error('expected a ProblemError');
}

describe('sm-kms algorithm table', () => {
  it('names every enc/alg pair jose supports, then every JWS alg, in that order', () => {
    expect(ALGORITHM_NAMES).to.deep.equal([...ENCS.flatMap((enc) => ALGS.map((alg) => `${enc}/${alg}`)), ...JWS]);
    expect(ALGORITHM_NAMES).to.have.length(103);
    expect(Object.isFrozen(ALGORITHM_NAMES)).to.equal(true);
  });

  it('gives every JWE row its enc, alg, key shape and native path (RFC 7518 §4, §5)', () => {
    for (const enc of ENCS) {
      for (const alg of ALGS) {
        const name = `${enc}/${alg}`;
        const key = expectedJweKey(enc, alg);
        expect({ ...resolveSpec(name), key: { ...resolveSpec(name).key } }, name).to.deep.equal({
          name, use: 'enc', kty: key.kty, alg, enc, key, native: expectedNative(enc, alg), randomIvUnderKey: expectedRandomIv(enc, alg),
        });
      }
    }
  });

  it('runs AES-GCM with dir or AES key wrap natively and nothing else', () => {
    const native = ALGORITHM_NAMES.filter((name) => { const spec = resolveSpec(name); return spec.use === 'enc' && spec.native !== undefined; });
    expect(native).to.deep.equal(['A128GCM', 'A192GCM', 'A256GCM'].flatMap((enc) => ['dir', 'A128KW', 'A192KW', 'A256KW'].map((alg) => `${enc}/${alg}`)));
  });

  it('counts random-IV encryptions only where the material key runs AES-GCM itself (SP 800-38D §8.3)', () => {
    const counted = ALGORITHM_NAMES.filter((name) => drawsRandomIvUnderKey(resolveAlgorithm(name)));
    expect(new Set(ALGORITHM_NAMES.map((name) => drawsRandomIvUnderKey(resolveAlgorithm(name))))).to.deep.equal(new Set([false, true]));
    expect(counted).to.deep.equal(ENCS.flatMap((enc) => [
      ...(enc.endsWith('GCM') ? [`${enc}/dir`] : []),
      `${enc}/A128GCMKW`, `${enc}/A192GCMKW`, `${enc}/A256GCMKW`,
    ]));
  });

  it('gives every JWS row its key shape and signature scheme (RFC 7518 §3)', () => {
    const pss = constants.RSA_PKCS1_PSS_PADDING;
    const pkcs1 = constants.RSA_PKCS1_PADDING;
    const base = { hmac: undefined, hash: null, padding: undefined, saltLength: undefined, dsaEncoding: undefined, offload: false };
    const expected: Record<string, { key: object; scheme: object }> = {
      HS256: { key: oct(256, 512), scheme: { ...base, hmac: 'sha256' } },
      HS384: { key: oct(384, 1024), scheme: { ...base, hmac: 'sha384' } },
      HS512: { key: oct(512, 1024), scheme: { ...base, hmac: 'sha512' } },
      RS256: { key: RSA, scheme: { ...base, hash: 'sha256', padding: pkcs1, offload: true } },
      RS384: { key: RSA, scheme: { ...base, hash: 'sha384', padding: pkcs1, offload: true } },
      RS512: { key: RSA, scheme: { ...base, hash: 'sha512', padding: pkcs1, offload: true } },
      PS256: { key: RSA, scheme: { ...base, hash: 'sha256', padding: pss, saltLength: 32, offload: true } },
      PS384: { key: RSA, scheme: { ...base, hash: 'sha384', padding: pss, saltLength: 48, offload: true } },
      PS512: { key: RSA, scheme: { ...base, hash: 'sha512', padding: pss, saltLength: 64, offload: true } },
      ES256: { key: curve('EC', 'P-256'), scheme: { ...base, hash: 'sha256', dsaEncoding: 'ieee-p1363' } },
      ES384: { key: curve('EC', 'P-384'), scheme: { ...base, hash: 'sha384', dsaEncoding: 'ieee-p1363' } },
      ES512: { key: curve('EC', 'P-521'), scheme: { ...base, hash: 'sha512', dsaEncoding: 'ieee-p1363' } },
      EdDSA: { key: curve('OKP', 'Ed25519'), scheme: base },
    };
    for (const name of JWS) {
      const spec = resolveSpec(name);
      const want = expected[name] ?? { key: {}, scheme: {} };
      expect(spec.use === 'sig' ? { ...spec, key: { ...spec.key }, scheme: { ...spec.scheme } } : spec, name).to.deep.equal({
        name, use: 'sig', kty: (want.key as { kty: string }).kty, alg: name, key: want.key, scheme: want.scheme,
      });
    }
  });

  it('freezes rows and shapes so no caller can change the table', () => {
    for (const name of ['A256GCM/A256KW', 'A256GCM/dir', 'ES256', 'HS256', 'A128CBC-HS256/ECDH-ES']) {
      const spec = resolveSpec(name);
      expect(Object.isFrozen(spec), name).to.equal(true);
      expect(Object.isFrozen(spec.key), name).to.equal(true);
      if (spec.use === 'sig') expect(Object.isFrozen(spec.scheme)).to.equal(true);
      if (spec.use === 'enc' && spec.native !== undefined) expect(Object.isFrozen(spec.native)).to.equal(true);
    }
    expect(Object.isFrozen(RSA_SHAPE)).to.equal(true);
  });

  it('resolveAlgorithm returns the same row as the table', () => {
    expect(resolveAlgorithm('A256GCM/A256KW')).to.equal(resolveSpec('A256GCM/A256KW'));
    expect(resolveAlgorithm('ES256')).to.include({ name: 'ES256', use: 'sig', kty: 'EC', alg: 'ES256' });
  });

  it('refuses unknown names, including prototype keys and near misses, with 400 naming the algorithm', () => {
    for (const name of ['', 'A256GCM', 'A256KW', 'a256gcm/a256kw', 'A256GCM/A256KW ', 'ES256K', 'none', 'RSA1_5', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const error = thrown(() => resolveAlgorithm(name));
      expect(error).to.be.instanceOf(UnsupportedAlgorithmError);
      expect([error.status, error.code, error.message]).to.deep.equal([400, 'bad_request', `unsupported algorithm: ${JSON.stringify(name)}`]);
      expect(error).to.have.property('algorithm', name);
    }
  });
});
