/**
 * The signed-in user's account home (`/account`) and sessions (`/account/sessions`). The sessions
 * page lists the user's live sessions by an opaque row id (sessions.ts `rowId`) and ends one, or
 * every one but this browser's. A row id of another user's session, or of none, is the same 404:
 * the answer does not tell whether it exists. Ending a session needs no password: it only ever
 * takes access away.
 */
import { NotFoundError } from '../../template/errors/index.ts';
import { SESSION_COOKIE, setCookie } from '../cookies.ts';
import { checkCsrf, csrfToken } from '../csrf.ts';
import type { IdpSession } from '../entities.ts';
import { readForm } from '../forms.ts';
import { signedOutPage } from '../pages/messages.ts';
import { homePage, sessionsPage, type Messages } from '../pages/self-service.ts';
import { sendPage, type IdpPages, type PageContext, type PageHandler } from './context.ts';
import { signedInSession } from './account.ts';

export const NO_SUCH_SESSION = 'There is no such session on your account.';

/** GET /account: who is signed in, and links to everything they can manage. */
export const showAccount: PageHandler = async (ctx, idp) => {
  const { user } = await signedInSession(ctx, idp);
  const { em } = ctx.state;
  sendPage(ctx, 200, homePage({
    username: user.username,
    totp: await idp.totp.confirmed(em, user.id),
    passkeys: (await idp.passkeys.list(em, user.id)).length,
    sessions: (await idp.sessions.list(em, user.id)).length,
  }));
};

async function renderSessions(ctx: PageContext, idp: IdpPages, current: IdpSession, messages: Messages = {}): Promise<void> {
  const live = await idp.sessions.list(ctx.state.em, current.userId);
  const sessions = await Promise.all(live.map(async (session) => ({
    rowId: await idp.sessions.rowId(session),
    createdAt: session.createdAt,
    expiresAt: session.expiresAt,
    current: session.id === current.id,
  })));
  sendPage(ctx, 200, sessionsPage({ csrf: csrfToken(ctx), sessions, ...messages }));
}

/** GET /account/sessions. */
export const showSessions: PageHandler = async (ctx, idp) => {
  await renderSessions(ctx, idp, (await signedInSession(ctx, idp)).session);
};

/** POST /account/sessions/end: the session of row `row` ends; this browser's signs it out. */
export const endSession: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const { session } = await signedInSession(ctx, idp);
  const { em } = ctx.state;
  const target = await idp.sessions.findRow(em, session.userId, form.get('row') ?? '');
  // Ended meanwhile by a parallel post: as gone as one that never was.
  if (target === undefined || !await idp.sessions.end(em, session.userId, target.id)) throw new NotFoundError(NO_SUCH_SESSION);
  if (target.id === session.id) {
    setCookie(ctx, SESSION_COOKIE, '', { sameSite: 'Lax', maxAgeSeconds: 0 });
    sendPage(ctx, 200, signedOutPage());
    return;
  }
  await renderSessions(ctx, idp, session, { notice: 'The session was ended.' });
};

/** POST /account/sessions/end-others: every session of the user but this browser's ends. */
export const endOtherSessions: PageHandler = async (ctx, idp) => {
  const form = readForm(ctx);
  checkCsrf(ctx, form, idp.ownOrigin());
  const { session } = await signedInSession(ctx, idp);
  const ended = await idp.sessions.endOthers(ctx.state.em, session.userId, session.id);
  await renderSessions(ctx, idp, session, { notice: `${String(ended)} other session${ended === 1 ? '' : 's'} ended.` });
};
