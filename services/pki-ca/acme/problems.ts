/**
 * ACME errors (RFC 8555 §6.7): problem documents whose type is `urn:ietf:params:acme:error:<name>`.
 * One table gives each name its HTTP status, so a handler throws `new AcmeProblem('badCSR', …)` where
 * the failure is found and the router writes the response.
 */

/** The error names this server uses and the status each answers with. */
const STATUS = {
  accountDoesNotExist: 400,
  alreadyReplaced: 409,
  alreadyRevoked: 400,
  badCSR: 400,
  badNonce: 400,
  badPublicKey: 400,
  badRevocationReason: 400,
  badSignatureAlgorithm: 400,
  connection: 400,
  externalAccountRequired: 400,
  incorrectResponse: 403,
  invalidContact: 400,
  malformed: 400,
  notFound: 404,
  orderNotReady: 403,
  rejectedIdentifier: 400,
  serverInternal: 500,
  tls: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  unsupportedIdentifier: 400,
} as const satisfies Record<string, number>;

/** An RFC 8555 §6.7 error name. */
export type AcmeErrorName = keyof typeof STATUS;

/** The URN prefix of every ACME error type. */
export const ACME_ERROR_PREFIX = 'urn:ietf:params:acme:error:';

/** An RFC 8555 problem document as stored on a challenge or an order and as sent. */
export interface AcmeProblemDocument {
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  readonly algorithms?: readonly string[];
}

/** A failed ACME request; `headers` adds e.g. `Location` for a key already in use. */
export class AcmeProblem extends Error {
  readonly errorName: AcmeErrorName;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly algorithms: readonly string[] | undefined;

  constructor(errorName: AcmeErrorName, detail: string, options: { readonly status?: number; readonly headers?: Readonly<Record<string, string>>; readonly algorithms?: readonly string[] } = {}) {
    super(detail);
    this.name = 'AcmeProblem';
    this.errorName = errorName;
    // `notFound` is not an RFC 8555 name: a missing resource is `malformed` with status 404.
    this.status = options.status ?? STATUS[errorName];
    this.headers = options.headers ?? {};
    this.algorithms = options.algorithms;
  }

  /** The problem document as JSON. */
  document(): AcmeProblemDocument {
    const type = `${ACME_ERROR_PREFIX}${this.errorName === 'notFound' ? 'malformed' : this.errorName}`;
    return { type, detail: this.message, status: this.status, ...(this.algorithms === undefined ? {} : { algorithms: this.algorithms }) };
  }
}
