/**
 * The pages' Content-Security-Policy: the template's page policy with our own stylesheet. The
 * consent page, whose post goes on to identity-authz and then to the client's redirect URI, adds
 * exactly those origins (`formTargets`); no page allows any other destination.
 */
import { pagePolicy as templatePagePolicy } from '../../template/pages/policy.ts';
import { PASSKEY_SCRIPT_INTEGRITY } from '../pages/passkey-script.ts';

/** Scripts: the passkey script, matched by its hash (and `integrity`), and nothing else. */
export function pagePolicy(formTargets: readonly string[] = []): string {
  return templatePagePolicy({ formTargets, ownStylesheet: true, scriptHashes: [`'${PASSKEY_SCRIPT_INTEGRITY}'`] });
}

/** The policy of every page but consent: forms post to this origin only. */
export const PAGE_POLICY = pagePolicy();
