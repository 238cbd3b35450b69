/**
 * RFC 3161 §3.4: time-stamps over HTTP. `POST /tsa` takes `application/timestamp-query` and answers
 * `application/timestamp-reply`; a request the TSA cannot honour is a PKIStatus rejection, not a
 * problem document.
 */
import type Koa from 'koa';
import { BadRequestError, MethodNotAllowedError } from '../../template/errors/index.ts';
import type { CaSigner } from '../contract.ts';
import { readDerBody, type DerBodyRules } from '../der-body.ts';
import { newSerialHex } from '../serial.ts';
import { TimeStampMalformedRequestError, parseTimeStampReq } from './request.ts';
import { buildTimeStampResp, timeStampRejection } from './response.ts';

/** The TSA's signer and its settings. */
export interface TsaAuthority {
  /** Signs with a certificate of the `timestamp` profile. */
  readonly signer: CaSigner;
  readonly policy?: string;
  readonly acceptedPolicies?: readonly string[];
  readonly accuracySeconds?: number;
  /** A new unique serial per token; 16 random bytes in pki-ca's serial form when absent. */
  readonly serial?: () => Promise<bigint | string>;
}

/** Options of the TSA route; `now` is for tests. */
export interface TsaRouteOptions {
  readonly now?: () => Date;
}

const PATH = '/tsa';
const QUERY_MEDIA_TYPE = 'application/timestamp-query';
const REPLY_MEDIA_TYPE = 'application/timestamp-reply';
/** A query is under a hundred bytes plus extensions; 64 KiB is generous. */
export const TSA_BODY_LIMIT_BYTES = 65_536;

/** The serial of a token when the authority brings no source of its own. */
function randomSerial(): Promise<string> {
  return Promise.resolve(newSerialHex());
}

const BODY_RULES: DerBodyRules = {
  mediaType: QUERY_MEDIA_TYPE,
  what: 'a time-stamp request',
  limitBytes: TSA_BODY_LIMIT_BYTES,
  unreadable: () => new BadRequestError('the request body could not be read'),
};

async function reply(der: Uint8Array, resolve: () => Promise<TsaAuthority>, now: Date): Promise<Uint8Array> {
  try {
    const request = parseTimeStampReq(der);
    const authority = await resolve();
    const serial = await (authority.serial ?? randomSerial)();
    return await buildTimeStampResp({
      signer: authority.signer,
      request,
      serial,
      now,
      ...(authority.policy === undefined ? {} : { policy: authority.policy }),
      ...(authority.acceptedPolicies === undefined ? {} : { acceptedPolicies: authority.acceptedPolicies }),
      ...(authority.accuracySeconds === undefined ? {} : { accuracySeconds: authority.accuracySeconds }),
    });
  } catch (error: unknown) {
    if (error instanceof TimeStampMalformedRequestError) return timeStampRejection('badDataFormat', 'the request is not a DER TimeStampReq');
    // The key, the serial store or the configuration failed; nothing of the cause is sent.
    return timeStampRejection('systemFailure', 'the time-stamp could not be made');
  }
}

/** Serves `POST /tsa` with the TSA `resolve` returns. */
export function tsaRoute(resolve: () => Promise<TsaAuthority>, options: TsaRouteOptions = {}): Koa.Middleware {
  const clock = options.now ?? (() => new Date());
  return async function timeStampAuthority(ctx, next) {
    if (ctx.path !== PATH) {
      await next();
      return;
    }
    if (ctx.method !== 'POST') throw new MethodNotAllowedError(['POST']);
    const der = await readDerBody(ctx, BODY_RULES);
    const body = await reply(der, resolve, clock());
    ctx.status = 200;
    ctx.type = REPLY_MEDIA_TYPE;
    ctx.body = Buffer.from(body);
  };
}
