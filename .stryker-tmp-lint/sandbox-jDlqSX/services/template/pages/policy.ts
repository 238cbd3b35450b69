/**
 * The Content-Security-Policy (CSP Level 3) of the HTML pages services render themselves, in place
 * of the template's API policy: no script, nothing framed, and forms that reach only this origin
 * plus the destinations a page really posts to. Chromium checks form-action on every redirect that
 * follows a form post too, so a page whose post ends at a client's redirect URI names that origin;
 * `https:` (every destination) is never allowed.
 */
// @ts-nocheck

export interface PagePolicyOptions {
  /** Origins (or private-use schemes) a form post may reach, directly or after redirects. */
  readonly formTargets?: readonly string[];
  /** Pages that load this origin's stylesheet. */
  readonly ownStylesheet?: boolean;
  /**
   * Hashes (`'sha256-…'`) of the inline scripts a page may run. Given (even empty), the policy
   * names `script-src`, which a library that appends the hash of its own inline script needs
   * (oidc-provider's self-posting forms); an empty list is written as `'none'`.
   */
  readonly scriptHashes?: readonly string[];
}

/** The `'sha256-…'` sources of a policy's `script-src`: what a library added for its own script. */
export function scriptHashesOf(policy: string | undefined): string[] {
  const directive = (policy ?? '').split(';').map((part) => part.trim().split(/\s+/)).find(([name]) => name === 'script-src');
  return (directive ?? []).filter((source) => /^'sha256-[A-Za-z0-9+/]+={0,2}'$/.test(source));
}

export function pagePolicy(options: PagePolicyOptions = {}): string {
  const targets = [...new Set(options.formTargets ?? [])].map((target) => ` ${target}`).join('');
  const styles = options.ownStylesheet === true ? " style-src 'self';" : '';
  const hashes = options.scriptHashes === undefined ? undefined : [...new Set(options.scriptHashes)];
  const scripts = hashes === undefined ? '' : ` script-src ${hashes.length === 0 ? "'none'" : hashes.join(' ')};`;
  return `default-src 'none';${styles}${scripts} form-action 'self'${targets}; frame-ancestors 'none'; base-uri 'none'`;
}
