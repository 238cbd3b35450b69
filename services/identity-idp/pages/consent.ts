/** The consent page: which client asks for which scopes, and an Allow and a Deny button. */
import { hiddenFields, layout } from './layout.ts';
import { html, type Html } from '../../template/pages/html.ts';

export interface ConsentPageModel {
  readonly clientName: string;
  readonly username: string;
  readonly scopes: readonly string[];
  readonly challenge: string;
  readonly csrf: string;
}

export function consentPage(model: ConsentPageModel): Html {
  const scopes = model.scopes.length === 0
    ? html`<p>It asks for no scopes beyond signing you in.</p>`
    : html`<ul class="scopes">${model.scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul>`;
  return layout('Allow access?', html`<p><strong>${model.clientName}</strong> asks to act as <strong>${model.username}</strong> with:</p>
${scopes}
<form method="post" action="/consent">
${hiddenFields(model.csrf, model.challenge)}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`);
}
