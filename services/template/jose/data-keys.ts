/**
 * Data keys (`generate?alg=`): a fresh key of a named shape, returned only as a compact JWE made by
 * the elastic key (envelope encryption, as cloud KMS GenerateDataKey), with its public JWK beside it.
 */
import type { JWK } from 'jose';
// ids.ts directly: the same generator the database index re-exports, without loading the ORM layer.
import { uuidv7 } from '../database/ids.ts';
import { BadRequestError } from '../errors/index.ts';
import type { DataKeySpec, GeneratedDataKey } from './contract.ts';
import { encrypt } from './jwe.ts';
import type { PreparedKey } from './key-material.ts';
import { exportJwks, keyTypeOf } from './key-types.ts';
import type { KeyShape } from './table.ts';

function shape(kty: KeyShape['kty'], bits: number, crv = ''): KeyShape {
  return Object.freeze({ kty, crv, bits, minBits: bits, maxBits: bits });
}

const DATA_KEY_SHAPES: Readonly<Record<DataKeySpec, KeyShape>> = Object.freeze(
  Object.assign(Object.create(null) as object, {
    'oct/128': shape('oct', 128),
    'oct/192': shape('oct', 192),
    'oct/256': shape('oct', 256),
    'oct/512': shape('oct', 512),
    'EC/P-256': shape('EC', 0, 'P-256'),
    'EC/P-384': shape('EC', 0, 'P-384'),
    'EC/P-521': shape('EC', 0, 'P-521'),
    'RSA/2048': shape('RSA', 2048),
    'RSA/3072': shape('RSA', 3072),
    'RSA/4096': shape('RSA', 4096),
    'OKP/Ed25519': shape('OKP', 0, 'Ed25519'),
  }),
);

/** Every data-key spec, for documentation and the OpenAPI enum. */
export const DATA_KEY_SPECS: readonly DataKeySpec[] = Object.freeze(Object.keys(DATA_KEY_SHAPES) as DataKeySpec[]);

/** The shape a spec generates; exported for tests of the table. */
export function dataKeyShape(spec: DataKeySpec): KeyShape {
  return DATA_KEY_SHAPES[spec];
}

/** A spec from the `alg` query parameter; anything else is a BadRequestError naming the accepted values. */
export function parseDataKeySpec(text: string): DataKeySpec {
  if (!(text in DATA_KEY_SHAPES)) throw new BadRequestError(`unsupported data key spec ${JSON.stringify(text)}; expected one of ${DATA_KEY_SPECS.join(', ')}`);
  return text as DataKeySpec;
}

/** A new data key under a fresh UUIDv7 `kid`: its full JWK encrypted by `key`, its public JWK in clear. */
export async function generateDataKey(key: PreparedKey, spec: DataKeySpec): Promise<GeneratedDataKey> {
  // A signature row as `key` is refused by encrypt below, after the key was generated: a misuse, so it need not be cheap.
  const keyShape = dataKeyShape(spec);
  const { privateJwk, publicJwk } = exportJwks(await keyTypeOf(keyShape.kty).generate(keyShape));
  const kid = uuidv7();
  const full: JWK = { ...privateJwk, kid };
  const wrapped = await encrypt(key, Buffer.from(JSON.stringify(full)));
  return publicJwk === undefined ? { wrapped } : { wrapped, publicJwk: { ...publicJwk, kid } };
}
