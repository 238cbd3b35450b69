/**
 * A failure the user can fix (a missing Secret they named, say): it becomes a Warning Event and the
 * reason of the Degraded condition, while any other error is only retried.
 */
export class ReconcileProblem extends Error {
  /** UpperCamelCase, as Kubernetes condition reasons and Event reasons are. */
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = 'ReconcileProblem';
    this.reason = reason;
  }
}
