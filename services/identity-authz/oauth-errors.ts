/**
 * The library's refusals (an interaction that cannot continue, metadata it will not accept) become
 * our 400 problems; anything else is a failure of ours and stays what it is (a 500).
 */
import { errors } from 'oidc-provider';
import { BadRequestError } from '../template/errors/index.ts';

export function asBadRequest(error: unknown, prefix = ''): unknown {
  return error instanceof errors.OIDCProviderError ? new BadRequestError(`${prefix}${String(error.error_description)}`) : error;
}
