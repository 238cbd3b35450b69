// @ts-check
// The user's security settings live at identity-idp, behind its own sign-in: this page links there.
import { h } from './dom.js';

/** @type {import('./app.js').Page} */
export const securityPage = {
  title: 'Security',
  render(context) {
    const account = context.config.accountUrl;
    if (account === undefined) {
      return [h('h1', {}, 'Security'), h('p', {}, 'Your password, second factors and sessions are managed at identity-idp; this console was not told its address.')];
    }
    const link = (/** @type {string} */ path, /** @type {string} */ text) => h('li', {}, h('a', { href: `${account}${path}` }, text));
    return [
      h('h1', {}, 'Security'),
      h('p', {}, 'Your password, second factors and sessions are managed at identity-idp, which asks you to sign in there again.'),
      h('ul', { class: 'links' },
        link('', 'Account overview'),
        link('/password', 'Change password'),
        link('/totp', 'Authenticator app (TOTP)'),
        link('/passkeys', 'Passkeys'),
        link('/sessions', 'Sessions')),
    ];
  },
};
