// @ts-check
// The console's shell: reads where identity-rp is, asks it who is signed in, and shows the page
// the address's hash names (`#/`, `#/pets`, `#/keys`, `#/security`, `#/admin`). One module graph, no build step.
import { errorText, h } from './dom.js';
import { Rp, loadConfig } from './rp.js';
import { homePage } from './home.js';
import { petsPage } from './pets.js';
import { keysPage } from './keys.js';
import { securityPage } from './security.js';
import { adminPage } from './admin.js';

/**
 * What every page gets.
 * @typedef {{ rp: Rp, session: import('./rp.js').Session | null, config: import('./rp.js').ConsoleConfig, consoleUrl: string, signOut(): Promise<void>, refresh(message: string): Promise<void> }} Context
 * @typedef {{ title: string, apis?: string[], render(context: Context): Promise<Node[]> | Node[] }} Page
 */

/** @type {Record<string, Page>} */
const PAGES = {
  '#/': homePage,
  '#/pets': petsPage,
  '#/keys': keysPage,
  '#/security': securityPage,
  '#/admin': adminPage,
};

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));

/** @param {string} hash */
function routeOf(hash) {
  return Object.hasOwn(PAGES, hash) ? hash : '#/';
}

/**
 * The pages this user may open: all when signed in (a page none of whose services identity-rp
 * proxies is left out when it names its APIs), only the home page otherwise.
 * @param {Context} context
 */
function visiblePages(context) {
  if (context.session === null) return ['#/'];
  const apis = context.session.apis;
  return Object.keys(PAGES).filter((route) => {
    const needs = PAGES[route]?.apis;
    return needs === undefined || apis === undefined || needs.some((api) => apis.includes(api));
  });
}

/** @param {Context} context @param {string} current */
function renderNav(context, current) {
  nav.replaceChildren(...visiblePages(context).map((route) => h('li', {},
    h('a', { href: route, 'aria-current': route === current ? 'page' : undefined }, PAGES[route]?.title ?? route))));
  who.replaceChildren(context.session === null
    ? 'Not signed in'
    : h('span', {}, 'Signed in as ', h('strong', {}, context.session.username ?? context.session.subject)));
}

/** @param {Context} context @param {string} [message] an outcome to announce above the new content */
async function show(context, message) {
  const route = routeOf(location.hash);
  const allowed = visiblePages(context).includes(route) ? route : '#/';
  const page = /** @type {Page} */ (PAGES[allowed]);
  renderNav(context, allowed);
  document.title = `${page.title} · cryptoutil console`;
  let content;
  try {
    content = await page.render(context);
  } catch (error) {
    content = [h('h1', {}, page.title), h('p', { class: 'error', role: 'alert' }, errorText(error))];
  }
  main.replaceChildren(...content);
  if (message !== undefined) main.firstElementChild?.after(h('p', { class: 'ok', role: 'status' }, message));
  // A route change moves focus to the new content, as a page load would for a screen reader.
  main.focus();
}

async function start() {
  const config = await loadConfig();
  const rp = new Rp(config.rpUrl);
  const consoleUrl = new URL('/', location.href).href;
  /** @type {Context} */
  const context = {
    rp,
    config,
    consoleUrl,
    session: await rp.session(),
    async signOut() {
      location.assign(await rp.logout(consoleUrl));
    },
    refresh: (message) => show(context, message),
  };
  window.addEventListener('hashchange', () => { void show(context); });
  await show(context);
}

start().catch((/** @type {unknown} */ error) => {
  main.replaceChildren(h('h1', {}, 'cryptoutil console'), h('p', { class: 'error', role: 'alert' }, `The console could not start: ${errorText(error)}`));
});
