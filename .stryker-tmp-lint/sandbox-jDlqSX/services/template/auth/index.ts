/**
 * Authentication of the public API: bearer JWT access tokens (RFC 9068) checked against the
 * configured issuer. The server assembly needs only `createAuthenticator`.
 */
// @ts-nocheck

export { createAuthenticator, type Authenticator, type AuthenticatorOptions } from './authenticator.ts';
export { httpsJsonFetcher, type FetchJson, type HttpsJsonOptions } from './https-json.ts';
