// @ts-check
// sm-kms through identity-rp: list elastic keys, create one (kms:admin), rotate it (a new
// material key), encrypt and decrypt a text (kms:encrypt, kms:decrypt), sign and verify one
// (kms:sign, kms:verify). Texts travel as UTF-8 bytes; sm-kms answers compact JWE and JWS.
import { errorText, field, form, h, messages, table, valueOf } from './dom.js';
import { ProblemError } from './rp.js';

const API = 'sm-kms';

/**
 * @typedef {{ id: string, name: string, description: string, algorithm: string, status: string, createdAt: string }} ElasticKey
 * @typedef {{ items: ElasticKey[], total: number }} KeyPage
 */

/** A choice of the algorithms sm-kms offers: the common JWE `enc/alg` pairs and JWS algorithms. */
export const ALGORITHMS = ['A256GCM/dir', 'A256GCM/A256KW', 'A256GCM/RSA-OAEP-256', 'A256GCM/ECDH-ES', 'ES256', 'ES384', 'EdDSA', 'PS256', 'RS256', 'HS256'];

/** Whether an algorithm encrypts (a JWE pair) or signs (a JWS algorithm). @param {string} algorithm */
export function isEncryption(algorithm) {
  return algorithm.includes('/');
}

/**
 * The encrypt/decrypt or sign/verify panel of one key.
 * @param {import('./app.js').Context} context
 * @param {ElasticKey} key
 */
function operations(context, key) {
  const { rp } = context;
  const base = `/elastickeys/${encodeURIComponent(key.id)}`;
  if (isEncryption(key.algorithm)) {
    const encrypt = form('Encrypt a text', [
      field('Text to encrypt', h('textarea', { name: 'plaintext', rows: 3, required: true })),
    ], 'Encrypt', async (element, say) => {
      const jwe = /** @type {string} */ (await rp.api(API, `${base}/encrypt`, { method: 'POST', text: valueOf(element, 'plaintext') }));
      const target = /** @type {HTMLTextAreaElement} */ (decrypt.elements.namedItem('jwe'));
      target.value = jwe;
      say.ok('Encrypted: the JWE is in the decrypt box below.');
    });
    const decrypt = form('Decrypt a JWE', [
      field('JWE to decrypt', h('textarea', { name: 'jwe', rows: 4, required: true, spellcheck: 'false' })),
      field('Decrypted text', h('output', { name: 'result', 'aria-live': 'polite' })),
    ], 'Decrypt', async (element, say) => {
      const text = /** @type {string} */ (await rp.api(API, `${base}/decrypt`, { method: 'POST', text: valueOf(element, 'jwe').trim(), type: 'application/jose' }));
      const output = /** @type {HTMLOutputElement} */ (element.elements.namedItem('result'));
      output.value = text;
      say.ok('Decrypted.');
    });
    return [h('h3', {}, 'Encrypt'), encrypt, h('h3', {}, 'Decrypt'), decrypt];
  }
  const sign = form('Sign a text', [
    field('Text to sign', h('textarea', { name: 'payload', rows: 3, required: true })),
  ], 'Sign', async (element, say) => {
    const jws = /** @type {string} */ (await rp.api(API, `${base}/sign`, { method: 'POST', text: valueOf(element, 'payload') }));
    const target = /** @type {HTMLTextAreaElement} */ (verify.elements.namedItem('jws'));
    target.value = jws;
    say.ok('Signed: the JWS is in the verify box below.');
  });
  const verify = form('Verify a JWS', [
    field('JWS to verify', h('textarea', { name: 'jws', rows: 4, required: true, spellcheck: 'false' })),
  ], 'Verify', async (element, say) => {
    try {
      await rp.api(API, `${base}/verify`, { method: 'POST', text: valueOf(element, 'jws').trim(), type: 'application/jose' });
      say.ok('The signature is valid.');
    } catch (error) {
      if (error instanceof ProblemError && error.status === 400) say.error(`The signature is not valid: ${error.message}`);
      else throw error;
    }
  });
  return [h('h3', {}, 'Sign'), sign, h('h3', {}, 'Verify'), verify];
}

/** @type {import('./app.js').Page} */
export const keysPage = {
  title: 'Keys',
  apis: [API],
  async render(context) {
    const { rp } = context;
    const keys = /** @type {KeyPage} */ (await rp.api(API, '/elastickeys?size=100'));
    const panel = h('section', { 'aria-labelledby': 'use-key', class: 'panel' });
    const say = messages();

    /** @param {ElasticKey} key */
    const use = (key) => {
      panel.replaceChildren(h('h2', { id: 'use-key', tabindex: -1 }, `Use ${key.name} (${key.algorithm})`), ...operations(context, key));
      /** @type {HTMLElement} */ (panel.firstElementChild).focus();
    };
    /** @param {ElasticKey} key */
    const rotate = async (key) => {
      try {
        const material = /** @type {{ version: number }} */ (await rp.api(API, `/elastickeys/${encodeURIComponent(key.id)}/materialkeys`, { method: 'POST' }));
        say.ok(`${key.name} rotated: version ${String(material.version)} is now used.`);
      } catch (error) {
        say.error(errorText(error));
      }
    };

    const create = form('Create a key', [
      field('Key name', h('input', { name: 'name', required: true, maxlength: 200, autocomplete: 'off' })),
      field('Algorithm', h('select', { name: 'algorithm' }, ALGORITHMS.map((algorithm) => h('option', { value: algorithm }, algorithm))),
        'Pairs like A256GCM/dir encrypt; ES256, EdDSA and the others sign.'),
      field('Description', h('input', { name: 'description', maxlength: 1000, autocomplete: 'off' })),
    ], 'Create key', async (element) => {
      const key = /** @type {ElasticKey} */ (await rp.api(API, '/elastickeys', { method: 'POST', json: {
        name: valueOf(element, 'name'), algorithm: valueOf(element, 'algorithm'), description: valueOf(element, 'description'),
      } }));
      await context.refresh(`Created ${key.name}.`);
    });

    return [
      h('h1', {}, 'Keys'),
      keys.items.length === 0
        ? h('p', {}, 'No keys yet: create the first one below.')
        : table(`Elastic keys (${String(keys.total)})`, ['Name', 'Algorithm', 'Status', 'Actions'], keys.items, (key) => [
          key.name,
          key.algorithm,
          key.status,
          h('span', { class: 'row-actions' },
            h('button', { type: 'button', onclick: () => { use(key); }, 'aria-label': `Use ${key.name}` }, 'Use'),
            h('button', { type: 'button', onclick: () => { void rotate(key); }, 'aria-label': `Rotate ${key.name}` }, 'Rotate')),
        ]),
      say.element,
      panel,
      h('section', { 'aria-labelledby': 'create-key' }, h('h2', { id: 'create-key' }, 'Create a key'), create),
    ];
  },
};
