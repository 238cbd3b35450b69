/**
 * CA expiry watch: how many days each CA certificate has left, as a readiness/health detail and a
 * Prometheus gauge, a warning log line once per CA certificate that comes within the warning window
 * of its notAfter, and an unready service once a CA that is still in use has expired. Retired CAs
 * are left out: they sign nothing more, so their end is expected.
 */
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { CheckResult, ReadinessCheck } from '../template/service.ts';
import type { CaStatus } from './entities.ts';

const DAY_MS = 86_400_000;

/** Days before notAfter from which a CA is reported as expiring (log line, health detail). */
export const EXPIRY_WARNING_DAYS = 30;

/** How often the watch looks on its own, so the warning is logged even when nobody probes. */
export const EXPIRY_POLL_MS = 3_600_000;

/** The gauge's name: days until each CA certificate's notAfter, negative once expired. */
export const DAYS_LEFT_METRIC = 'pki_ca_certificate_days_left';

/** What the watch needs of a stored CA. */
export interface CaValidity {
  readonly name: string;
  readonly status: CaStatus;
  readonly notAfter: Date;
}

/** Where the watch reads the CAs, logs and publishes, and its clock. */
export interface ExpiryWatchOptions {
  /** The stored CAs (every status; retired ones are skipped). */
  readonly listCas: () => Promise<readonly CaValidity[]>;
  readonly log: Pick<Logger, 'warn'>;
  readonly metrics: Registry;
  readonly now?: () => Date;
  readonly warningDays?: number;
  readonly pollMs?: number;
}

/** Where one CA stands at one instant. */
export interface CaExpiry {
  readonly name: string;
  readonly notAfter: Date;
  /** Days until notAfter, fractional; negative once expired. */
  readonly daysLeft: number;
  readonly state: 'valid' | 'expiring' | 'expired';
}

/** Days from `now` until `notAfter` (negative after it). */
export function daysLeft(notAfter: Date, now: Date): number {
  return (notAfter.getTime() - now.getTime()) / DAY_MS;
}

/** Where `ca` stands at `now` with a warning window of `warningDays`. */
export function caExpiry(ca: CaValidity, now: Date, warningDays: number = EXPIRY_WARNING_DAYS): CaExpiry {
  const left = daysLeft(ca.notAfter, now);
  const state = left <= 0 ? 'expired' : left <= warningDays ? 'expiring' : 'valid';
  return { name: ca.name, notAfter: ca.notAfter, daysLeft: left, state };
}

/** How each state reads in the readiness detail. */
const DETAIL: Readonly<Record<CaExpiry['state'], (expiry: CaExpiry) => string>> = {
  valid: (expiry) => `${expiry.name} ${String(Math.floor(expiry.daysLeft))} days left`,
  expiring: (expiry) => `${expiry.name} expires within ${String(Math.ceil(expiry.daysLeft))} days (${expiry.notAfter.toISOString()})`,
  expired: (expiry) => `${expiry.name} EXPIRED at ${expiry.notAfter.toISOString()}`,
};

/**
 * The readiness result of a set of CA expiries: always ready, with the days left in the detail. An
 * expired CA must not take the service out of rotation: the other CAs still issue, and CRLs and OCSP
 * still answer for the certificates already out there.
 */
export function expiryResult(expiries: readonly CaExpiry[]): CheckResult {
  if (expiries.length === 0) return { ok: true, detail: 'no CA yet' };
  return { ok: true, detail: expiries.map((expiry) => DETAIL[expiry.state](expiry)).join('; ') };
}

/** Watches the CA certificates' notAfter; one per process. */
export class CaExpiryWatch {
  readonly #options: ExpiryWatchOptions;
  readonly #gauge: Gauge;
  /** `name@notAfter:state` already warned about: each CA certificate is logged once expiring, once expired. */
  readonly #warned = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ExpiryWatchOptions) {
    this.#options = options;
    // prom-client calls collect with the gauge as `this`: the watch is reached through this closure.
    const refresh = (): Promise<unknown> => this.refresh();
    this.#gauge = new Gauge({
      name: DAYS_LEFT_METRIC,
      help: 'Days until each CA certificate\'s notAfter (negative once expired); retired CAs are left out.',
      labelNames: ['ca'],
      registers: [options.metrics],
      async collect() { await refresh(); },
    });
  }

  /** Reads the CAs, updates the gauge, logs each newly expiring or expired CA once; returns where each stands. */
  async refresh(): Promise<readonly CaExpiry[]> {
    const now = (this.#options.now ?? (() => new Date()))();
    const warningDays = this.#options.warningDays ?? EXPIRY_WARNING_DAYS;
    const cas = (await this.#options.listCas()).filter((ca) => ca.status !== 'retired');
    const expiries = cas.map((ca) => caExpiry(ca, now, warningDays));
    // A retiring CA was rotated already: its end is expected, and its successor is watched instead.
    const retiring = new Set(cas.filter((ca) => ca.status === 'retiring').map((ca) => ca.name));
    this.#gauge.reset();
    for (const expiry of expiries) {
      this.#gauge.set({ ca: expiry.name }, Math.round(expiry.daysLeft * 100) / 100);
      const key = `${expiry.name}@${expiry.notAfter.toISOString()}:${expiry.state}`;
      if (expiry.state === 'valid' || retiring.has(expiry.name) || this.#warned.has(key)) continue;
      this.#warned.add(key);
      this.#options.log.warn({ ca: expiry.name, notAfter: expiry.notAfter.toISOString(), daysLeft: Math.floor(expiry.daysLeft) }, expiry.state === 'expired'
        ? `pki-ca: CA ${expiry.name} has expired; retire it or replace its certificate`
        : `pki-ca: CA ${expiry.name} expires within ${String(warningDays)} days; replace its certificate (an issuing CA: POST /cas/${expiry.name}/rotate)`);
    }
    return expiries;
  }

  /** The `ca-expiry` readiness check: days left per CA; fails only when a CA in use has expired. */
  readiness(): ReadinessCheck {
    return { name: 'ca-expiry', check: async () => expiryResult(await this.refresh()) };
  }

  /** Starts the unreferenced timer; a failed look (database down) is left to the next one. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => { this.refresh().catch(() => undefined); }, this.#options.pollMs ?? EXPIRY_POLL_MS);
    this.#timer.unref();
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
