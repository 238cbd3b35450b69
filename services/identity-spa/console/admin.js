// @ts-check
// Administration through identity-rp, for members of identity-idp's admin group: users and groups
// at identity-idp (idp:admin), clients at identity-authz and the rotation of a client's secret
// (authz:admin). Each part is shown when identity-rp proxies its service.
import { errorText, field, form, h, messages, table, valueOf } from './dom.js';

const IDP = 'identity-idp';
const AUTHZ = 'identity-authz';

/**
 * @typedef {{ id: string, username: string, email: string, locked: boolean }} User
 * @typedef {{ name: string, scopes: string[], builtIn: boolean }} Group
 * @typedef {{ clientId: string, name: string, grantTypes: string[] }} Client
 */

/** @param {import('./app.js').Context} context */
async function usersSection(context) {
  const { rp } = context;
  const [users, groups] = /** @type {[{ items: User[], total: number }, { items: Group[] }]} */ (await Promise.all([
    rp.api(IDP, '/users?size=100'),
    rp.api(IDP, '/groups'),
  ]));
  const create = form('Add a user', [
    field('Username', h('input', { name: 'username', required: true, autocomplete: 'off' })),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' })),
    field('Initial password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' })),
    field('Group', h('select', { name: 'group' }, groups.items.map((group) => h('option', { value: group.name, selected: group.name === 'users' }, group.name)))),
  ], 'Add user', async (element) => {
    const user = /** @type {User} */ (await rp.api(IDP, '/users', { method: 'POST', json: {
      username: valueOf(element, 'username'), email: valueOf(element, 'email'), password: valueOf(element, 'password'), groups: [valueOf(element, 'group')],
    } }));
    await context.refresh(`Added user ${user.username}.`);
  });
  return [
    h('h2', {}, 'Users'),
    table(`Users (${String(users.total)})`, ['Username', 'Email', 'Locked'], users.items, (user) => [user.username, user.email, user.locked ? 'yes' : 'no']),
    h('h3', {}, 'Add a user'),
    create,
    h('h2', {}, 'Groups'),
    table('Groups', ['Name', 'Scopes', 'Built in'], groups.items, (group) => [group.name, group.scopes.join(' '), group.builtIn ? 'yes' : 'no']),
  ];
}

/** @param {import('./app.js').Context} context */
async function clientsSection(context) {
  const { rp } = context;
  const clients = /** @type {{ items: Client[], total: number }} */ (await rp.api(AUTHZ, '/clients?size=100'));
  const say = messages();
  const secret = h('output', { id: 'new-secret', 'aria-live': 'polite' });
  const secretBox = h('div', { class: 'field', hidden: true }, h('label', { for: 'new-secret' }, 'New secret (shown once)'), secret);
  /** @param {Client} client */
  const rotate = async (client) => {
    try {
      const answer = /** @type {{ clientSecret: string }} */ (await rp.api(AUTHZ, `/clients/${encodeURIComponent(client.clientId)}/secret`, { method: 'POST' }));
      secret.value = answer.clientSecret;
      secretBox.hidden = false;
      say.ok(`The secret of ${client.clientId} was replaced: the old one no longer works. Copy the new one now; it is not shown again.`);
    } catch (error) {
      say.error(errorText(error));
    }
  };
  return [
    h('h2', {}, 'Clients'),
    table(`Clients (${String(clients.total)})`, ['Client id', 'Name', 'Grant types', 'Actions'], clients.items, (client) => [
      client.clientId,
      client.name,
      client.grantTypes.join(', '),
      h('button', { type: 'button', 'aria-label': `Rotate the secret of ${client.clientId}`, onclick: () => { void rotate(client); } }, 'Rotate secret'),
    ]),
    say.element,
    secretBox,
  ];
}

/** @type {import('./app.js').Page} */
export const adminPage = {
  title: 'Admin',
  apis: [IDP, AUTHZ],
  async render(context) {
    const apis = context.session?.apis;
    const has = (/** @type {string} */ api) => apis === undefined || apis.includes(api);
    /** @type {Node[]} */
    const parts = [h('h1', {}, 'Admin'), h('p', {}, 'For members of identity-idp\'s admin group: others are refused by the services.')];
    for (const [api, section] of /** @type {const} */ ([[IDP, usersSection], [AUTHZ, clientsSection]])) {
      if (!has(api)) continue;
      try {
        parts.push(...await section(context));
      } catch (error) {
        parts.push(h('p', { class: 'error', role: 'alert' }, `${api}: ${errorText(error)}`));
      }
    }
    return parts;
  },
};
