/**
 * A promise kept for reuse until it rejects: concurrent callers share one attempt, and the first
 * call after a failure starts a new one (a database that was down, a document not yet readable).
 */
// @ts-nocheck

export class Retained<T> {
  readonly #make: () => Promise<T>;
  #promise: Promise<T> | undefined;

  constructor(make: () => Promise<T>) {
    this.#make = make;
  }

  get(): Promise<T> {
    this.#promise ??= this.#make().catch((error: unknown) => {
      this.#promise = undefined;
      throw error;
    });
    return this.#promise;
  }

  /** The next `get` starts over (keys changed, barrier sealed). */
  forget(): void {
    this.#promise = undefined;
  }
}
