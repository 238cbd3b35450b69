/**
 * The pages' Content-Security-Policy (CSP Level 3), replacing the template's API policy: our own
 * stylesheet, no script at all, and forms that post only to ourselves. Chromium also checks
 * form-action on every redirect that follows a form post, so the consent page, whose post goes on
 * to identity-authz and then to the client's redirect URI, adds exactly those origins
 * (`formTargets`); no page allows any other destination.
 */
export function pagePolicy(formTargets: readonly string[] = []): string {
  const targets = [...new Set(formTargets)].map((target) => ` ${target}`).join('');
  return `default-src 'none'; style-src 'self'; form-action 'self'${targets}; frame-ancestors 'none'; base-uri 'none'`;
}

/** The policy of every page but consent: forms post to this origin only. */
export const PAGE_POLICY = pagePolicy();
