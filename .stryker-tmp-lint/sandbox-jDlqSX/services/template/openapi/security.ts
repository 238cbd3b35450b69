/**
 * Which token an operation needs, read from its OpenAPI `security` (or the document default).
 * Only what the template can enforce is accepted; anything else fails at load, not at request time.
 */
// @ts-nocheck

import { dereference, isRecord } from './refs.ts';

/** An operation is either public (`security: []`) or needs a bearer token carrying `scopes`. */
export interface SecuritySpec {
  readonly public: boolean;
  readonly scopes: readonly string[];
}

const PUBLIC: SecuritySpec = { public: true, scopes: [] };

// OpenAPI 3.1 §4.8.27: schemes that carry an OAuth 2.1 bearer access token.
function isTokenScheme(scheme: unknown): boolean {
  if (!isRecord(scheme)) {
    return false;
  }
  const bearer = scheme.type === 'http' && typeof scheme.scheme === 'string' && scheme.scheme.toLowerCase() === 'bearer';
  return bearer || scheme.type === 'oauth2' || scheme.type === 'openIdConnect';
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/**
 * The security of one operation: `security` of the operation if present, else of the document.
 * Declaring none at all is an error, so that a forgotten section never silently means "public".
 */
export function operationSecurity(document: Readonly<Record<string, unknown>>, security: unknown, where: string): SecuritySpec {
  const requirements: unknown = security ?? document.security;
  if (requirements === undefined) {
    throw new Error(`${where} declares no security; write "security: []" for a public operation`);
  }
  if (!Array.isArray(requirements)) {
    throw new Error(`${where}: security must be a list of requirements`);
  }
  const list: readonly unknown[] = requirements;
  if (list.every((requirement) => isRecord(requirement) && Object.keys(requirement).length === 0)) {
    return PUBLIC;
  }
  const [requirement] = list;
  const entries = list.length === 1 && isRecord(requirement) ? Object.entries(requirement) : [];
  const [entry] = entries;
  if (entries.length !== 1 || entry === undefined) {
    throw new Error(`${where}: only one bearer-token security requirement (or none) is supported`);
  }
  const [schemeName, scopes] = entry;
  const schemes = isRecord(document.components) ? document.components.securitySchemes : undefined;
  const scheme = isRecord(schemes) && Object.hasOwn(schemes, schemeName) ? dereference(document, schemes[schemeName]) : undefined;
  if (!isTokenScheme(scheme)) {
    throw new Error(`${where}: security scheme "${schemeName}" is not an oauth2, openIdConnect or http bearer scheme`);
  }
  if (!isStringArray(scopes)) {
    throw new Error(`${where}: the scopes of "${schemeName}" must be a list of strings`);
  }
  return { public: false, scopes: [...scopes] };
}
