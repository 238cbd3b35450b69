/**
 * Leader election on a coordination.k8s.io/v1 Lease, the way client-go's leaderelection does it.
 * Every write carries the resourceVersion it read, so two candidates cannot both win a round. Expiry
 * is judged by the observer's own clock: a candidate notes when *it* last saw the record change and
 * takes a held Lease only once leaseDuration has passed since then, never by reading the holder's
 * renewTime (another machine's clock). The leader steps down when renewDeadline passes without a
 * successful renewal, on a timer, so a renewal that hangs cannot keep it leading; since renewDeadline
 * is shorter than leaseDuration, it has stopped before anyone else may take over.
 */
import type { KubeTransport } from '../kube/transport.ts';
import { collectionPath, objectPath } from '../kube/paths.ts';
import { microTime } from '../kube/micro-time.ts';
import type { CancelTimer, SetTimer } from '../queue/work-queue.ts';

/** The three periods of an election, in client-go's terms. */
export interface LeaseTimings {
  /** How long a non-holder waits, from the last change it saw, before taking the Lease. */
  readonly leaseDurationSeconds: number;
  /** How long the leader goes on leading without a successful renewal. */
  readonly renewDeadlineMs: number;
  /** How often every candidate tries to acquire or renew. */
  readonly retryMs: number;
}

export interface LeaseOptions extends Partial<LeaseTimings> {
  readonly transport: KubeTransport;
  readonly namespace: string;
  readonly name: string;
  /** This candidate, usually the pod name. */
  readonly identity: string;
  readonly now?: () => Date;
  readonly setTimer?: SetTimer;
  /** Called whenever leadership is gained or lost. */
  readonly onChange: (leading: boolean) => void;
}

/** The timings Kubernetes' own controllers elect with (kube-controller-manager, kube-scheduler). */
export const LEASE_DURATION_SECONDS = 15;
export const LEASE_RETRY_MS = 2_000;

/** client-go's 10 s renew deadline, or two thirds of a shorter lease so the deadline stays inside it. */
export function defaultRenewDeadlineMs(leaseDurationSeconds: number): number {
  return Math.min(10_000, Math.floor((leaseDurationSeconds * 1000 * 2) / 3));
}

/**
 * The timings `options` asks for, defaulted and checked: retry < renewDeadline < leaseDuration, or
 * the leader could be deposed before it steps down (client-go refuses the same configurations).
 */
export function leaseTimings(options: Partial<LeaseTimings>): LeaseTimings {
  const leaseDurationSeconds = options.leaseDurationSeconds ?? LEASE_DURATION_SECONDS;
  const renewDeadlineMs = options.renewDeadlineMs ?? defaultRenewDeadlineMs(leaseDurationSeconds);
  const retryMs = options.retryMs ?? LEASE_RETRY_MS;
  // The Lease's leaseDurationSeconds is an int32 of whole seconds.
  if (!Number.isInteger(leaseDurationSeconds) || leaseDurationSeconds < 1) {
    throw new Error(`leaseDurationSeconds must be a whole number of seconds, at least 1 (got ${leaseDurationSeconds})`);
  }
  if (!(renewDeadlineMs > 0 && renewDeadlineMs < leaseDurationSeconds * 1000)) {
    throw new Error(`renewDeadlineMs must be positive and shorter than leaseDurationSeconds (got ${renewDeadlineMs} ms for a ${leaseDurationSeconds} s lease)`);
  }
  if (!(retryMs > 0 && retryMs < renewDeadlineMs)) {
    throw new Error(`retryMs must be positive and shorter than renewDeadlineMs (got ${retryMs} ms for a ${renewDeadlineMs} ms deadline)`);
  }
  return { leaseDurationSeconds, renewDeadlineMs, retryMs };
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  metadata?: { resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Another candidate holds the Lease or won the write: this round is lost for certain. */
const LOST = false;
/** This candidate's write went through: it holds the Lease from the round's start. */
const HELD = true;

const realTimer: SetTimer = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  timer.unref();
  return () => { clearTimeout(timer); };
};

export class LeaseElector {
  readonly #options: LeaseOptions;
  readonly #timings: LeaseTimings;
  readonly #now: () => Date;
  readonly #setTimer: SetTimer;
  #leading = false;
  /** Bumped on every step-down: a round begun in an earlier term cannot make this candidate lead. */
  #term = 0;
  /** The record as last read or written, compared whole (resourceVersion and spec). */
  #observed: string | undefined;
  /** This candidate's clock, in ms, when it saw `#observed` change. */
  #observedAt = 0;
  #cancel: CancelTimer | undefined;
  #deadline: CancelTimer | undefined;
  #stopped = false;
  #attempt: Promise<void> = Promise.resolve();

  constructor(options: LeaseOptions) {
    this.#options = options;
    this.#timings = leaseTimings(options);
    this.#now = options.now ?? (() => new Date());
    this.#setTimer = options.setTimer ?? realTimer;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Tries now and then every retry period until stopped. */
  start(): void {
    const tick = (): void => {
      this.#attempt = this.tryAcquireOrRenew().then(() => {
        if (!this.#stopped) {
          this.#cancel = this.#setTimer(tick, this.#timings.retryMs);
        }
      });
    };
    tick();
  }

  /**
   * One acquire-or-renew round; never throws. A round that finds another holder or loses the write
   * steps down at once; one that fails (an error, a 5xx) changes nothing and leaves the leader to its
   * renew deadline, as client-go retries until then.
   */
  async tryAcquireOrRenew(): Promise<void> {
    const term = this.#term;
    const started = this.#now().getTime();
    let outcome: boolean | undefined;
    try {
      outcome = await this.#round();
    } catch {
      outcome = undefined;
    }
    if (term !== this.#term) {
      // Stepped down while the round was in flight: its answer is too late to count.
      return;
    }
    if (outcome === HELD && this.#now().getTime() < started + this.#timings.renewDeadlineMs) {
      this.#renewed(started);
    } else if (outcome !== undefined) {
      this.#stepDown();
    }
  }

  /** Stops renewing and, if leading, hands the lease back so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    await this.#attempt;
    if (this.#leading) {
      try {
        const lease = await this.#read();
        if (lease?.spec?.holderIdentity === this.#options.identity) {
          await this.#write(lease, { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 });
        }
      } catch {
        // The lease expires on its own.
      }
    }
    this.#stepDown();
  }

  /** Leads until renewDeadline after `started`, the start of the round that wrote the Lease. */
  #renewed(started: number): void {
    this.#deadline?.();
    this.#deadline = this.#setTimer(() => { this.#stepDown(); }, started + this.#timings.renewDeadlineMs - this.#now().getTime());
    if (!this.#leading) {
      this.#leading = true;
      this.#options.onChange(true);
    }
  }

  #stepDown(): void {
    this.#deadline?.();
    this.#deadline = undefined;
    if (this.#leading) {
      this.#term += 1;
      this.#leading = false;
      this.#options.onChange(false);
    }
  }

  /** Notes the record and, when it differs from the last one seen, the local time it changed. */
  #observe(lease: Lease): void {
    const spec = lease.spec ?? {};
    const record = JSON.stringify([lease.metadata?.resourceVersion, spec.holderIdentity, spec.leaseDurationSeconds, spec.acquireTime, spec.renewTime, spec.leaseTransitions]);
    if (record !== this.#observed) {
      this.#observed = record;
      this.#observedAt = this.#now().getTime();
    }
  }

  get #path(): string {
    return objectPath({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.#options.namespace, name: this.#options.name });
  }

  async #read(): Promise<Lease | undefined> {
    const response = await this.#options.transport.request('GET', this.#path);
    if (response.status === 404) {
      return undefined;
    }
    if (response.status !== 200) {
      throw new Error(`reading the lease answered ${String(response.status)}`);
    }
    return JSON.parse(response.body) as Lease;
  }

  /** PUT with the resourceVersion read: 200 holds, 409 (someone wrote first) loses, anything else fails. */
  async #write(lease: Lease, spec: LeaseSpec): Promise<boolean> {
    const metadata = { ...lease.metadata, name: this.#options.name, namespace: this.#options.namespace };
    const response = await this.#options.transport.request('PUT', this.#path, { contentType: 'application/json', body: JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata, spec }) });
    return this.#answer(response.status, response.body, 200, spec);
  }

  async #create(spec: LeaseSpec): Promise<boolean> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.#options.name, namespace: this.#options.namespace }, spec };
    const path = collectionPath('coordination.k8s.io/v1', 'Lease', this.#options.namespace);
    const response = await this.#options.transport.request('POST', path, { contentType: 'application/json', body: JSON.stringify(body) });
    return this.#answer(response.status, response.body, 201, spec);
  }

  #answer(status: number, body: string, success: number, spec: LeaseSpec): boolean {
    if (status === 409) {
      return LOST;
    }
    if (status !== success && status !== 200) {
      throw new Error(`writing the lease answered ${String(status)}`);
    }
    // What this candidate wrote is the record it has seen last (the server's answer adds the version).
    const written = JSON.parse(body) as Lease;
    this.#observe({ metadata: { ...written.metadata }, spec });
    return HELD;
  }

  async #round(): Promise<boolean> {
    const identity = this.#options.identity;
    const lease = await this.#read();
    const now = this.#now();
    if (lease === undefined) {
      return this.#create({ holderIdentity: identity, leaseDurationSeconds: this.#timings.leaseDurationSeconds, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 });
    }
    this.#observe(lease);
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    // The holder's own lease duration: a candidate configured shorter must still wait the holder out.
    const expired = this.#observedAt + (spec.leaseDurationSeconds ?? this.#timings.leaseDurationSeconds) * 1000 <= now.getTime();
    if (holder !== '' && holder !== identity && !expired) {
      return LOST;
    }
    const taking = holder !== identity;
    return this.#write(lease, {
      holderIdentity: identity,
      leaseDurationSeconds: this.#timings.leaseDurationSeconds,
      acquireTime: taking ? microTime(now) : (spec.acquireTime ?? microTime(now)),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (taking && holder !== '' ? 1 : 0),
    });
  }
}
