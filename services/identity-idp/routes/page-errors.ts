/**
 * The pages' counterpart of the template's problem-details step: a ProblemError thrown by a page
 * handler becomes an HTML page with the same status and headers (Retry-After on 429 and 503), since
 * a browser shows a page, not problem+json. Unexpected errors are logged by class only, as the
 * template does, and shown without detail.
 */
import type { Logger } from 'pino';
import { errorClass, toProblem } from '../../template/middleware/problem-details.ts';
import { problemPage } from '../pages/messages.ts';
import { sendPage, type PageContext } from './context.ts';

export async function renderPageErrors(ctx: PageContext, log: Logger, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const problem = toProblem(error);
    if (problem.code === 'internal_error') {
      log.error({ requestId: ctx.state.requestId, error: errorClass(error) }, 'page failed with an internal error');
    }
    for (const [name, value] of Object.entries(problem.headers)) ctx.set(name, value);
    const detail = problem.expose ? problem.message : `Something went wrong on our side. Reference: ${ctx.state.requestId}.`;
    sendPage(ctx, problem.status, problemPage(problem.title, detail));
  }
}
