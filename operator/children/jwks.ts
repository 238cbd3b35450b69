/**
 * What a JwkAuthority adds to its jose-ja: the key sets it declares (`spec.keySets`, or one `sig`
 * set `default` from `signingAlgorithm` and `rotationDays`) as the service's `jose.keySets`, which
 * jose-ja creates when missing (jose-ja contract "Declared key sets"), and the JWKS URL of each.
 */
import type { JwkAuthoritySpec } from '../api/index.ts';
import type { ServiceResource } from '../resources/types.ts';

/** One entry of `jose.keySets`, as the API server has defaulted it. */
export interface DeclaredKeySet {
  readonly name: string;
  readonly use: 'sig' | 'enc';
  readonly alg: string;
  readonly rotationDays: number;
  readonly retentionDays: number;
}

/** The set declared when `spec.keySets` is empty, and how long its retired keys still verify. */
export const DEFAULT_KEY_SET = 'default';
const DEFAULT_RETENTION_DAYS = 7;

/** The spec of a JwkAuthority; the API server has applied the CRD's defaults. */
function jwkSpec(resource: ServiceResource): Required<Pick<JwkAuthoritySpec, 'signingAlgorithm' | 'rotationDays'>> & { readonly keySets?: readonly DeclaredKeySet[] } {
  return resource.spec as unknown as Required<JwkAuthoritySpec> & { readonly keySets?: readonly DeclaredKeySet[] };
}

/** The key sets the resource declares, in spec order. */
export function declaredKeySets(resource: ServiceResource): DeclaredKeySet[] {
  const spec = jwkSpec(resource);
  if (spec.keySets !== undefined && spec.keySets.length > 0) {
    return spec.keySets.map(({ name, use, alg, rotationDays, retentionDays }) => ({ name, use, alg, rotationDays, retentionDays }));
  }
  return [{ name: DEFAULT_KEY_SET, use: 'sig', alg: spec.signingAlgorithm, rotationDays: spec.rotationDays, retentionDays: DEFAULT_RETENTION_DAYS }];
}

/** jose-ja's configuration keys for this resource. */
export function joseServiceConfig(resource: ServiceResource): Record<string, unknown> {
  return { jose: { keySets: declaredKeySets(resource) } };
}

/** The unauthenticated JWKS of one set under the service's base URL (jose-ja contract "Public"). */
export function jwksUrl(endpoint: string, keySet: string): string {
  return `${endpoint}/jwks/${keySet}/.well-known/jwks.json`;
}
