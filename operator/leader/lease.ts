/**
 * Leader election on a coordination.k8s.io/v1 Lease, the way client-go does it: the holder renews
 * `renewTime` well within `leaseDurationSeconds`; anyone may take a lease whose holder stopped renewing;
 * every write carries the resourceVersion it read, so two candidates cannot both win. Only the leader
 * reconciles; a failed renewal steps down at once rather than risk two writers.
 */
import type { KubeTransport } from '../kube/transport.ts';
import { collectionPath, objectPath } from '../kube/paths.ts';
import { microTime } from '../kube/micro-time.ts';
import type { CancelTimer, SetTimer } from '../queue/work-queue.ts';

export interface LeaseOptions {
  readonly transport: KubeTransport;
  readonly namespace: string;
  readonly name: string;
  /** This candidate, usually the pod name. */
  readonly identity: string;
  readonly leaseDurationSeconds?: number;
  readonly retryMs?: number;
  readonly now?: () => Date;
  readonly setTimer?: SetTimer;
  /** Called whenever leadership is gained or lost. */
  readonly onChange: (leading: boolean) => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  metadata: { resourceVersion?: string };
  spec?: LeaseSpec;
}

const realTimer: SetTimer = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  timer.unref();
  return () => { clearTimeout(timer); };
};

export class LeaseElector {
  readonly #options: LeaseOptions;
  readonly #duration: number;
  readonly #retryMs: number;
  readonly #now: () => Date;
  readonly #setTimer: SetTimer;
  #leading = false;
  #cancel: CancelTimer | undefined;
  #stopped = false;
  #attempt: Promise<void> = Promise.resolve();

  constructor(options: LeaseOptions) {
    // client-go's defaults scaled down: 15 s lease, retried every 2 s.
    const settled = { leaseDurationSeconds: 15, retryMs: 2_000, now: () => new Date(), setTimer: realTimer, ...options };
    this.#options = options;
    this.#duration = settled.leaseDurationSeconds;
    this.#retryMs = settled.retryMs;
    this.#now = settled.now;
    this.#setTimer = settled.setTimer;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Tries now and then every retry period until stopped. */
  start(): void {
    const tick = (): void => {
      this.#attempt = this.tryAcquireOrRenew().then(() => {
        if (!this.#stopped) {
          this.#cancel = this.#setTimer(tick, this.#retryMs);
        }
      });
    };
    tick();
  }

  /** One acquire-or-renew round; never throws (a failure means not leading). */
  async tryAcquireOrRenew(): Promise<void> {
    let leading: boolean;
    try {
      leading = await this.#round();
    } catch {
      leading = false;
    }
    this.#set(leading);
  }

  /** Stops renewing and, if leading, hands the lease back so a successor need not wait for it to expire. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancel?.();
    await this.#attempt;
    if (!this.#leading) {
      return;
    }
    try {
      const lease = await this.#read();
      if (lease?.spec?.holderIdentity === this.#options.identity) {
        await this.#write(lease, { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 });
      }
    } catch {
      // The lease expires on its own.
    }
    this.#set(false);
  }

  #set(leading: boolean): void {
    if (leading !== this.#leading) {
      this.#leading = leading;
      this.#options.onChange(leading);
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

  async #write(lease: Lease, spec: LeaseSpec): Promise<boolean> {
    const body = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { ...lease.metadata, name: this.#options.name, namespace: this.#options.namespace }, spec };
    const response = await this.#options.transport.request('PUT', this.#path, { contentType: 'application/json', body: JSON.stringify(body) });
    return response.status === 200;
  }

  async #round(): Promise<boolean> {
    const now = this.#now();
    const identity = this.#options.identity;
    const lease = await this.#read();
    if (lease === undefined) {
      const body = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.#options.name, namespace: this.#options.namespace },
        spec: { holderIdentity: identity, leaseDurationSeconds: this.#duration, acquireTime: microTime(now), renewTime: microTime(now), leaseTransitions: 0 },
      };
      const path = collectionPath('coordination.k8s.io/v1', 'Lease', this.#options.namespace);
      const response = await this.#options.transport.request('POST', path, { contentType: 'application/json', body: JSON.stringify(body) });
      return response.status === 201 || response.status === 200;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewedAt = Date.parse(spec.renewTime ?? '') || 0;
    const expired = holder === '' || now.getTime() > renewedAt + (spec.leaseDurationSeconds ?? this.#duration) * 1000;
    if (holder !== identity && !expired) {
      return false;
    }
    const taking = holder !== identity;
    return this.#write(lease, {
      holderIdentity: identity,
      leaseDurationSeconds: this.#duration,
      acquireTime: taking ? microTime(now) : (spec.acquireTime ?? microTime(now)),
      renewTime: microTime(now),
      leaseTransitions: (spec.leaseTransitions ?? 0) + (taking && holder !== '' ? 1 : 0),
    });
  }
}
