/**
 * Counts the password checks of the idps running in this process, and holds them on demand, by
 * wrapping the hash registry's `verify` for password (low-entropy random) hashes. Holding every
 * check of a burst until each request is either answered or inside a check makes a race
 * deterministic: whatever the code admits to a check, it admitted before any check finished.
 */
import { HashRegistry, type HashAdmission } from '../../template/hash/registry.ts';

/** Every stored password and the decoy start so (services/template/hash/registries.ts). */
const PASSWORD_HASH = '$low-entropy-random$';

export class PasswordChecks {
  /** Checks begun since `watch`. */
  count = 0;
  /** Checks waiting at the gate now. */
  held = 0;
  readonly #original = Object.getOwnPropertyDescriptor(HashRegistry.prototype, 'verify');
  #gate: Promise<void> | undefined;
  #open: () => void = () => undefined;
  readonly #waiters = new Set<() => void>();

  /** Starts counting; `restore` puts the registry back. */
  static watch(): PasswordChecks {
    const checks = new PasswordChecks();
    const verify = checks.#original?.value as HashRegistry['verify'];
    Object.defineProperty(HashRegistry.prototype, 'verify', {
      configurable: true,
      writable: true,
      value: async function countedVerify(this: HashRegistry, input: string, hashed: string, admission?: HashAdmission): Promise<boolean> {
        if (hashed.startsWith(PASSWORD_HASH)) await checks.#pass();
        return verify.call(this, input, hashed, admission);
      },
    });
    return checks;
  }

  async #pass(): Promise<void> {
    this.count += 1;
    const gate = this.#gate;
    if (gate === undefined) {
      this.changed();
      return;
    }
    this.held += 1;
    this.changed();
    await gate;
    this.held -= 1;
  }

  /** From now on every check waits until `release`. */
  hold(): void {
    this.#gate = new Promise((resolve) => { this.#open = resolve; });
  }

  release(): void {
    this.#open();
    this.#gate = undefined;
  }

  restore(): void {
    this.release();
    if (this.#original !== undefined) Object.defineProperty(HashRegistry.prototype, 'verify', this.#original);
  }

  /** Re-evaluates what `until` waits for; call it when something it reads has changed. */
  changed(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves once `condition` holds, evaluated now and at every `changed`. */
  until(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const waiter = (): void => {
        if (!condition()) return;
        this.#waiters.delete(waiter);
        resolve();
      };
      this.#waiters.add(waiter);
      waiter();
    });
  }

  /**
   * Sends `requests` at once and resolves, their answers still pending, once each is answered or
   * inside a check. With checks held, a second batch is sent while the first one's checks wait.
   */
  async send<T>(requests: readonly (() => Promise<T>)[]): Promise<Promise<T>[]> {
    let answered = 0;
    const heldBefore = this.held;
    const pending = requests.map(async (request) => {
      try {
        return await request();
      } finally {
        answered += 1;
        this.changed();
      }
    });
    await this.until(() => answered + this.held - heldBefore >= requests.length);
    return pending;
  }
}
