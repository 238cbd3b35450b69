/**
 * Finds the issuer's JWKS and token endpoints from its published metadata: OpenID Connect
 * Discovery 1.0 first, RFC 8414 authorization server metadata second. The metadata must name the
 * issuer it was fetched for.
 */
// @ts-nocheck

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

/**
 * What the template reads of an issuer's metadata: the keys it signs with, and the endpoints a
 * person needs to get a token (Swagger UI's Authorize button).
 */
export interface IssuerMetadata {
  readonly jwksUri: string;
  /** OIDC Discovery §3, RFC 8414 §2: left out when absent or not https. */
  readonly tokenEndpoint?: string;
  readonly authorizationEndpoint?: string;
}

function httpsField(metadata: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const value = metadata[name];
  return typeof value === 'string' && isHttpsUrl(value) ? value : undefined;
}

function metadataOf(metadata: unknown, issuer: string, url: string): IssuerMetadata {
  if (!isRecord(metadata)) {
    throw new Error(`${url} is not a metadata object`);
  }
  // OIDC Discovery §4.3, RFC 8414 §3.3: a mismatch means someone else's metadata.
  if (metadata.issuer !== issuer) {
    throw new Error(`${url} describes issuer ${JSON.stringify(metadata.issuer)}, not ${issuer}`);
  }
  const jwksUri = httpsField(metadata, 'jwks_uri');
  if (jwksUri === undefined) {
    throw new Error(`${url}: jwks_uri must be an https URL`);
  }
  const tokenEndpoint = httpsField(metadata, 'token_endpoint');
  const authorizationEndpoint = httpsField(metadata, 'authorization_endpoint');
  return {
    jwksUri,
    ...(tokenEndpoint === undefined ? {} : { tokenEndpoint }),
    ...(authorizationEndpoint === undefined ? {} : { authorizationEndpoint }),
  };
}

/** The issuer's metadata, from the first metadata document that answers. */
export async function discoverMetadata(issuer: string, fetchJson: FetchJson): Promise<IssuerMetadata> {
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
  return metadataOf(metadata, issuer, url);
}

/** The issuer's `jwks_uri`, from the first metadata document that answers. */
export async function discoverJwksUri(issuer: string, fetchJson: FetchJson): Promise<string> {
  return (await discoverMetadata(issuer, fetchJson)).jwksUri;
}

/** The issuer's metadata: fetched once, again only after a failure. */
export function discoveredMetadata(issuer: string, fetchJson: FetchJson): () => Promise<IssuerMetadata> {
  const discovered = new Retained(() => discoverMetadata(issuer, fetchJson));
  return () => discovered.get();
}

/** The issuer's JWKS URL from its discovery document: fetched once, again only after a failure. */
export function discoveredJwksUri(issuer: string, fetchJson: FetchJson): () => Promise<string> {
  const metadata = discoveredMetadata(issuer, fetchJson);
  return async () => (await metadata()).jwksUri;
}
