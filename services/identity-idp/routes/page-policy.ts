/**
 * The pages' Content-Security-Policy: the template's page policy with our own stylesheet. The
 * consent page, whose post goes on to identity-authz and then to the client's redirect URI, adds
 * exactly those origins (`formTargets`); no page allows any other destination.
 */
import { pagePolicy as templatePagePolicy } from '../../template/pages/policy.ts';

export function pagePolicy(formTargets: readonly string[] = []): string {
  return templatePagePolicy({ formTargets, ownStylesheet: true });
}

/** The policy of every page but consent: forms post to this origin only. */
export const PAGE_POLICY = pagePolicy();
