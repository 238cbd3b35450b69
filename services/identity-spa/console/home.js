// @ts-check
// Home: sign in, or who am I and sign out.
import { errorText, h, messages } from './dom.js';

/** @type {import('./app.js').Page} */
export const homePage = {
  title: 'Home',
  render(context) {
    const { session } = context;
    if (session === null) {
      return [
        h('h1', {}, 'Welcome'),
        h('p', {}, 'Sign in to manage pets in learn-ps and keys in sm-kms. Your password is entered at identity-idp, never here.'),
        h('p', {}, h('a', { class: 'button', href: context.rp.loginUrl(context.consoleUrl) }, 'Sign in')),
      ];
    }
    const say = messages();
    const signOut = h('button', { type: 'button', onclick: () => {
      signOut.disabled = true;
      context.signOut().catch((/** @type {unknown} */ error) => { signOut.disabled = false; say.error(errorText(error)); });
    } }, 'Sign out');
    return [
      h('h1', {}, 'Who am I'),
      h('dl', { class: 'facts' },
        session.username === undefined ? null : h('div', {}, h('dt', {}, 'Username'), h('dd', {}, session.username)),
        h('div', {}, h('dt', {}, 'User id'), h('dd', {}, h('code', {}, session.subject))),
        h('div', {}, h('dt', {}, 'Session ends'), h('dd', {}, new Date(session.expiresAt).toLocaleString())),
        h('div', {}, h('dt', {}, 'APIs'), h('dd', {}, session.apis === undefined ? 'not listed by identity-rp' : session.apis.join(', ') || 'none'))),
      h('p', {}, signOut),
      say.element,
    ];
  },
};
