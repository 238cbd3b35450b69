/**
 * The two failures of the algorithm layer that are neither a bad JWK nor a malformed JOSE object
 * (those are plain BadRequestErrors naming what is wrong).
 */
import { ProblemError } from '../errors/index.ts';

/** An algorithm name the table has no row for; 400 so an unknown `algorithm` field is the caller's fault. */
export class UnsupportedAlgorithmError extends ProblemError {
  /** The name asked for, for callers that report it separately; never key material. */
  readonly algorithm: string;

  constructor(algorithm: string) {
    super(400, 'bad_request', 'Bad Request', { detail: `unsupported algorithm: ${JSON.stringify(algorithm)}` });
    this.algorithm = algorithm;
  }
}

/**
 * Every reason a JWE is refused (header mismatch, wrong context, failed tag, bad wrapped key) gets
 * this one detail: distinct messages would hand an attacker a decryption oracle.
 */
export class DecryptionFailedError extends ProblemError {
  constructor() {
    super(400, 'bad_request', 'Bad Request', { detail: DECRYPTION_FAILED_DETAIL });
  }
}

/** The single sentence a failed decryption reports. */
export const DECRYPTION_FAILED_DETAIL = 'the JWE cannot be decrypted with this key and context';
