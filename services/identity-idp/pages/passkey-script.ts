/**
 * The one script identity-idp serves: it runs the WebAuthn ceremony of a form marked
 * `data-passkey` (`create` or `get`, options in `data-options`) and posts the credential's JSON with
 * the form. It is served from this origin and allowed by its hash alone (CSP Level 3 matches the
 * hash of an external script through its `integrity` attribute), so no other script can run.
 */
import { createHash } from 'node:crypto';

export const PASSKEY_SCRIPT_PATH = '/assets/passkey.js';

export const PASSKEY_SCRIPT = `'use strict';
for (const form of document.querySelectorAll('form[data-passkey]')) {
  const status = form.querySelector('.passkey-status');
  if (!window.PublicKeyCredential || !PublicKeyCredential.parseRequestOptionsFromJSON) {
    status.textContent = 'This browser cannot use passkeys.';
    continue;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = 'Waiting for your passkey…';
    try {
      const options = JSON.parse(form.dataset.options);
      const credential = form.dataset.passkey === 'create'
        ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
        : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      form.elements.namedItem('response').value = JSON.stringify(credential.toJSON());
      form.submit();
    } catch (error) {
      status.textContent = 'The passkey was not used (' + error.name + '). Try again.';
    }
  });
}
`;

/** SRI and CSP source of the script (`sha256-…`). */
export const PASSKEY_SCRIPT_INTEGRITY = `sha256-${createHash('sha256').update(PASSKEY_SCRIPT).digest('base64')}`;
