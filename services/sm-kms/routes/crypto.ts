/**
 * The cryptographic operations (issue "sm-kms" point 4): bytes in, compact JOSE out, and back.
 * Encrypt, sign and generate use the latest active material key; decrypt and verify use the one
 * the protected header's `kid` names. The algorithms module does the cryptography; encrypt and
 * generate first reserve one encryption of the material key (usage.ts). The request's entity
 * manager is handed over as a getter: the hot path usually needs none, and forking one costs.
 */
import { BadRequestError } from '../../template/errors/index.ts';
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import { decrypt, encrypt, generateDataKey, parseDataKeySpec, readJoseHeader, sign, verify } from '../../template/jose/index.ts';
import type { KmsContext } from '../context.ts';
import { keyForKid, latestKey } from '../keyring.ts';
import { reserveEncryption } from '../usage.ts';
import { keyIdOf } from './page.ts';

/** RFC 7516 §9 / RFC 7515 §9: compact serializations are sent as `application/jose`. */
const JOSE_MEDIA_TYPE = 'application/jose';

/** The raw request body; an absent body is the empty byte string (encrypting or signing nothing is allowed). */
function bytesOf(ctx: OperationContext): Buffer {
  return ctx.state.body === undefined ? Buffer.alloc(0) : ctx.state.body as Buffer;
}

/** A compact serialization is ASCII; anything else cannot be one. */
function compactOf(ctx: OperationContext): string {
  return bytesOf(ctx).toString('latin1').trim();
}

function contextOf(ctx: OperationContext): string | undefined {
  return ctx.state.query.context as string | undefined;
}

/** Handlers for encrypt, decrypt, sign, verify and generate. */
export function cryptoHandlers(kms: KmsContext): OperationHandlers {
  return {
    async encrypt(ctx) {
      const { key, prepared } = await latestKey(() => ctx.state.em, kms, keyIdOf(ctx), 'encrypt');
      await reserveEncryption(() => ctx.state.em, kms, key, prepared.kid);
      ctx.body = await encrypt(prepared, bytesOf(ctx), contextOf(ctx));
      ctx.type = JOSE_MEDIA_TYPE;
    },
    async decrypt(ctx) {
      const jwe = compactOf(ctx);
      const { kid } = readJoseHeader(jwe);
      const { prepared } = await keyForKid(() => ctx.state.em, kms, keyIdOf(ctx), kid, 'decrypt');
      ctx.body = Buffer.from(await decrypt(prepared, jwe, contextOf(ctx)));
      ctx.type = 'application/octet-stream';
    },
    async sign(ctx) {
      const { prepared } = await latestKey(() => ctx.state.em, kms, keyIdOf(ctx), 'sign');
      ctx.body = await sign(prepared, bytesOf(ctx));
      ctx.type = JOSE_MEDIA_TYPE;
    },
    async verify(ctx) {
      const jws = compactOf(ctx);
      const { kid } = readJoseHeader(jws);
      const { prepared } = await keyForKid(() => ctx.state.em, kms, keyIdOf(ctx), kid, 'verify');
      if (!await verify(prepared, jws)) throw new BadRequestError('the signature is not valid');
      ctx.status = 204;
    },
    async generateDataKey(ctx) {
      const spec = parseDataKeySpec(ctx.state.query.alg as string);
      const { key, prepared } = await latestKey(() => ctx.state.em, kms, keyIdOf(ctx), 'generate');
      await reserveEncryption(() => ctx.state.em, kms, key, prepared.kid);
      const { wrapped, publicJwk } = await generateDataKey(prepared, spec);
      ctx.body = publicJwk === undefined ? { encryptedKey: wrapped } : { encryptedKey: wrapped, publicJwk };
      ctx.status = 201;
    },
  };
}
