/**
 * The JOSE operations of jose-ja, one handler per operationId of the contract: JWT issue and
 * verify, sign and verify, encrypt and decrypt. Each runs on the keys of the set the path names and
 * leaves one audit record; the cryptography lives in jws.ts, jwe.ts and jwt.ts.
 */
import { BadRequestError, UnprocessableEntityError } from '../../template/errors/index.ts';
import type { OperationContext, OperationHandlers } from '../../template/service.ts';
import { audited } from './audit.ts';
import type { OperationDeps } from './audit.ts';
import { decryptObject, encryptBytes } from './jwe.ts';
import { signBytes, verifySigned } from './jws.ts';
import { issueJwt, issueRequestOf, verifyJwt, verifyRequestOf } from './jwt.ts';
import { requireUse } from './keys.ts';
import { success } from './outcome.ts';
import { JOSE_COMPACT, JOSE_JSON, bytesOf, joseObjectOf, jsonBodyOf, wantsJson } from './request.ts';

export type { OperationDeps } from './audit.ts';

function answerJose(ctx: OperationContext, value: string | object): void {
  ctx.body = value;
  ctx.type = typeof value === 'string' ? JOSE_COMPACT : JOSE_JSON;
}

function answerBytes(ctx: OperationContext, bytes: Uint8Array): void {
  ctx.body = Buffer.from(bytes);
  ctx.type = 'application/octet-stream';
}

/** Handlers keyed by operationId; the lead wires them next to the key-set handlers. */
export function operationHandlers(deps: OperationDeps): OperationHandlers {
  return {
    async issueJwt(ctx) {
      const { value } = await audited(deps, ctx, 'jwt.issue', (choice) => issueJwt(choice, issueRequestOf(jsonBodyOf(ctx)), deps.now()));
      ctx.body = value;
    },
    // A well-formed request always answers 200: the result says which check failed, not the status.
    async verifyJwt(ctx) {
      const outcome = await audited(deps, ctx, 'jwt.verify', (choice) => verifyJwt(choice, verifyRequestOf(jsonBodyOf(ctx)), deps.now()));
      ctx.body = outcome.ok ? { valid: true, ...outcome.value } : { valid: false, failed: { check: outcome.check, detail: outcome.detail } };
    },
    async signPayload(ctx) {
      const { value } = await audited(deps, ctx, 'sign', async (choice) => {
        const key = requireUse(choice, 'sig', 'sign').active;
        return success(await signBytes(key, bytesOf(ctx), wantsJson(ctx)), key.kid);
      });
      answerJose(ctx, value);
    },
    async verifyPayload(ctx) {
      const outcome = await audited(deps, ctx, 'verify', (choice) => verifySigned(requireUse(choice, 'sig', 'verify'), joseObjectOf(ctx)));
      // An unknown kid or another algorithm is a signature that does not verify; only a malformed object is the caller's syntax.
      if (!outcome.ok) throw outcome.check === 'malformed' ? new BadRequestError(outcome.detail) : new UnprocessableEntityError('signature not valid');
      answerBytes(ctx, outcome.value.payload);
    },
    async encryptPayload(ctx) {
      const { value } = await audited(deps, ctx, 'encrypt', async (choice) => {
        const key = requireUse(choice, 'enc', 'encrypt').active;
        return success(await encryptBytes(key, bytesOf(ctx), wantsJson(ctx)), key.kid);
      });
      answerJose(ctx, value);
    },
    async decryptPayload(ctx) {
      const outcome = await audited(deps, ctx, 'decrypt', (choice) => decryptObject(requireUse(choice, 'enc', 'decrypt'), joseObjectOf(ctx)));
      // One answer for every cause (RFC 7516 §11.5): no padding, key or tag oracle.
      if (!outcome.ok) throw new UnprocessableEntityError('decryption failed');
      answerBytes(ctx, outcome.value.plaintext);
    },
  };
}
