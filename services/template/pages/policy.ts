/**
 * The Content-Security-Policy (CSP Level 3) of the HTML pages services render themselves, in place
 * of the template's API policy: no script, nothing framed, and forms that reach only this origin
 * plus the destinations a page really posts to. Chromium checks form-action on every redirect that
 * follows a form post too, so a page whose post ends at a client's redirect URI names that origin;
 * `https:` (every destination) is never allowed.
 */
export interface PagePolicyOptions {
  /** Origins (or private-use schemes) a form post may reach, directly or after redirects. */
  readonly formTargets?: readonly string[];
  /** Pages that load this origin's stylesheet. */
  readonly ownStylesheet?: boolean;
}

export function pagePolicy(options: PagePolicyOptions = {}): string {
  const targets = [...new Set(options.formTargets ?? [])].map((target) => ` ${target}`).join('');
  const styles = options.ownStylesheet === true ? " style-src 'self';" : '';
  return `default-src 'none';${styles} form-action 'self'${targets}; frame-ancestors 'none'; base-uri 'none'`;
}
