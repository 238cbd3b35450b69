/**
 * HTML form posts (`application/x-www-form-urlencoded`). The template's body step has already
 * read the bytes, bounded by `body.limitBytes`; this only checks the media type and decodes them.
 */
import type { ParameterizedContext } from 'koa';
import { UnsupportedMediaTypeError } from '../template/errors/index.ts';
import type { RequestState } from '../template/service.ts';

/** The posted fields; a form post without any field is an empty set. */
export function readForm(ctx: ParameterizedContext<RequestState>): URLSearchParams {
  if (ctx.request.type !== 'application/x-www-form-urlencoded') {
    throw new UnsupportedMediaTypeError('pages accept application/x-www-form-urlencoded form posts only');
  }
  const { body } = ctx.state;
  return new URLSearchParams(Buffer.isBuffer(body) ? body.toString('utf8') : '');
}
