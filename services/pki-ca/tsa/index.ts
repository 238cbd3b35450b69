/** pki-ca's time-stamp authority (RFC 3161, RFC 5816): what the service wires and what tests build on. */
export { parseTimeStampReq, TimeStampMalformedRequestError, type TimeStampRequest } from './request.ts';
export { buildTimeStampResp, timeStampRejection, DEFAULT_TSA_POLICY, type TimeStampFailure, type TimeStampOptions } from './response.ts';
export { tsaRoute, TSA_BODY_LIMIT_BYTES, type TsaAuthority, type TsaRouteOptions } from './routes.ts';
