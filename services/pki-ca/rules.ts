/**
 * The seam between the service core and the rules it issues by: the profile catalog (what a
 * profile makes of a CSR) and the issuance lint. The service loads them once, on first use.
 */
import type { CertificateLint, ProfileCatalog } from './contract.ts';

/** The catalog and the lint one pki-ca issues by. */
export interface PkiRules {
  readonly catalog: ProfileCatalog;
  readonly lint: CertificateLint;
}

/** Loads the rules; `profilesDir` is `pki.profilesDir` (`''` for the built-in profiles only). */
export type RulesLoader = (profilesDir: string) => Promise<PkiRules>;

/** A loader called at most once (again after a failure), its result shared by every caller. */
export function memoizeRules(load: () => Promise<PkiRules>): () => Promise<PkiRules> {
  let loading: Promise<PkiRules> | undefined;
  return () => {
    if (loading === undefined) {
      const attempt = load();
      loading = attempt;
      attempt.catch(() => { if (loading === attempt) loading = undefined; });
    }
    return loading;
  };
}
