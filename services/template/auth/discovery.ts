/**
 * Finds the issuer's JWKS from its published metadata: OpenID Connect Discovery 1.0 first, RFC 8414
 * authorization server metadata second. The metadata must name the issuer it was fetched for.
 */
import type { FetchJson } from './https-json.ts';
import { Retained } from '../cache/retained.ts';

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` parses as an https URL. */
export function isHttpsUrl(value: string): boolean {
  return URL.canParse(value) && new URL(value).protocol === 'https:';
}

/**
 * Where the metadata lives: OIDC Discovery §4 appends to the issuer; RFC 8414 §3.1 inserts the
 * well-known segment between host and path.
 */
export function metadataUrls(issuer: string): [string, string] {
  const base = issuer.replace(/\/+$/, '');
  const { origin, pathname } = new URL(base);
  const path = pathname === '/' ? '' : pathname;
  return [`${base}/.well-known/openid-configuration`, `${origin}/.well-known/oauth-authorization-server${path}`];
}

function jwksUriOf(metadata: unknown, issuer: string, url: string): string {
  if (!isRecord(metadata)) {
    throw new Error(`${url} is not a metadata object`);
  }
  // OIDC Discovery §4.3, RFC 8414 §3.3: a mismatch means someone else's metadata.
  if (metadata.issuer !== issuer) {
    throw new Error(`${url} describes issuer ${JSON.stringify(metadata.issuer)}, not ${issuer}`);
  }
  const { jwks_uri: jwksUri } = metadata;
  if (typeof jwksUri !== 'string' || !isHttpsUrl(jwksUri)) {
    throw new Error(`${url}: jwks_uri must be an https URL`);
  }
  return jwksUri;
}

/** The issuer's `jwks_uri`, from the first metadata document that answers. */
export async function discoverJwksUri(issuer: string, fetchJson: FetchJson): Promise<string> {
  const [openid, oauth] = metadataUrls(issuer);
  let metadata: unknown;
  let url = openid;
  try {
    metadata = await fetchJson(openid);
  } catch (openidError) {
    url = oauth;
    metadata = await fetchJson(oauth).catch((oauthError: unknown) => {
      throw new Error(`no metadata for issuer ${issuer} (${String(openidError)}; ${String(oauthError)})`);
    });
  }
  return jwksUriOf(metadata, issuer, url);
}

/** The issuer's JWKS URL from its discovery document: fetched once, again only after a failure. */
export function discoveredJwksUri(issuer: string, fetchJson: FetchJson): () => Promise<string> {
  const discovered = new Retained(() => discoverJwksUri(issuer, fetchJson));
  return () => discovered.get();
}
