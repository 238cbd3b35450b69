/** pki-ca's OCSP responder (RFC 6960, RFC 5019): what the service wires and what tests build on. */
export { parseOcspRequest, OcspMalformedRequestError, serialHexOf, type OcspCertId, type OcspRequest } from './request.ts';
export { buildOcspResponse, ocspErrorResponse, type CertStatus, type OcspErrorStatus, type OcspResponseOptions, type RevocationReason } from './response.ts';
export { ocspRoutes, OCSP_BODY_LIMIT_BYTES, type OcspAuthority, type OcspRouteOptions } from './routes.ts';
