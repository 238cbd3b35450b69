/**
 * Per-client request budget (`rateLimit.*`), built on koa-ratelimit: in process memory for one
 * replica, or Redis so that every replica of a service draws on the same budget.
 */
import type Koa from 'koa';
import ratelimit from 'koa-ratelimit';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { ServiceUnavailableError, TooManyRequestsError } from '../errors/index.ts';
import type { RequestState } from '../service.ts';
import { rateLimitKey } from './client-address.ts';
import { errorClass } from './problem-details.ts';

/** The header koa-ratelimit sets to the end of the client's window, in seconds since the epoch. */
const RESET_HEADER = 'X-RateLimit-Reset';

/** Enough distinct clients for a busy service; beyond it the oldest windows are forgotten first. */
const DEFAULT_MAX_CLIENTS = 100_000;

export interface RateLimitOptions {
  /** Sustained requests per second per client; 0 turns the limiter off. */
  readonly perSecond: number;
  /** Requests a client may send at once on top of one second's worth. */
  readonly burst: number;
  /** A shared store (see createRateLimitStore); counters stay in this process when absent. */
  readonly redis?: Redis;
  /** Key prefix in the store: one per service, so services sharing a Redis keep separate budgets. */
  readonly namespace?: string;
  /** Distinct clients the memory store remembers at most. */
  readonly maxClients?: number;
  /** Clock in milliseconds since the epoch; tests move it. */
  readonly now?: () => number;
  /**
   * When the shared store cannot answer: `open` lets the request through, `closed` refuses it with
   * a 503 problem (`rateLimit.onStoreFailure`, default open). Either way it is logged and counted.
   */
  readonly onStoreFailure?: StoreFailurePolicy;
  /** Where the store's failing and recovering are logged, once each. */
  readonly logger?: Logger;
  /** Counts requests that met a failing store, by what became of them (`allowed`, `refused`). */
  readonly storeFailures?: Counter<'outcome'>;
}

/** What the limiter does with a request when its Redis store fails. */
export type StoreFailurePolicy = 'open' | 'closed';

/** How soon a client refused for a failing store (fail closed) should try again, in seconds. */
const STORE_RETRY_AFTER_SECONDS = 1;

/** What koa-ratelimit's memory driver stores per client: `reset` is the window's end in seconds. */
interface WindowEntry {
  readonly reset: number;
}

/**
 * koa-ratelimit's memory driver never forgets a client, so a scan from many source addresses would
 * grow its Map without bound. This Map drops finished windows when full, then the oldest ones.
 */
class BoundedWindows extends Map<string, WindowEntry> {
  readonly #capacity: number;
  readonly #now: () => number;

  constructor(capacity: number, now: () => number) {
    super();
    this.#capacity = capacity;
    this.#now = now;
  }

  override set(key: string, value: WindowEntry): this {
    if (this.size >= this.#capacity && !this.has(key)) this.#evict();
    return super.set(key, value);
  }

  #evict(): void {
    const nowSeconds = this.#now() / 1000;
    for (const [key, entry] of this) if (entry.reset < nowSeconds) this.delete(key);
    // Map iterates in insertion order: what remains first is the window opened longest ago.
    for (const key of this.keys()) {
      if (this.size < this.#capacity) return;
      this.delete(key);
    }
  }
}

/**
 * Turns the configured rate and burst into koa-ratelimit's (max requests per window) model:
 * max = perSecond + burst, window = max / perSecond seconds. A client may spend its whole budget at
 * once (one second's rate plus the burst) but averages no more than perSecond over every window,
 * which is the long-run behaviour of a token bucket of rate perSecond and depth perSecond + burst.
 */
export function rateLimitWindow(perSecond: number, burst: number): { max: number; durationMs: number } {
  const max = perSecond + burst;
  return { max, durationMs: Math.ceil((1000 * max) / perSecond) };
}

/**
 * A Redis client for shared rate-limit counters. A command gives up after one reconnection attempt
 * (ioredis waits for twenty by default), so during a Redis outage the limiter's failure policy
 * decides promptly instead of every request stalling. Its connection errors are logged once per
 * outage. The caller owns the client and quits it at shutdown.
 */
export function createRateLimitStore(redisUrl: string, logger?: Logger): Redis {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  // ioredis reports every failed reconnection attempt, up to one each 2 s for as long as Redis is
  // down: one line per outage says it, and the next outage is told once more.
  let told = false;
  client.on('ready', () => { told = false; });
  client.on('error', (error: unknown) => {
    if (told) return;
    told = true;
    // Only the class: a connection error message can carry the URL and with it a password.
    logger?.warn({ error: errorClass(error) }, 'rate-limit store unavailable');
  });
  return client;
}

/** Refuses a client over its budget with a 429 problem carrying `Retry-After` (RFC 6585 §4). */
export function rateLimit(options: RateLimitOptions): Koa.Middleware<RequestState> {
  const admit = rateLimitGate(options);
  if (admit === undefined) {
    return async function rateLimitOff(_ctx, next) {
      await next();
    };
  }
  return async function rateLimitStep(ctx, next) {
    await admit(ctx);
    await next();
  };
}

/** koa-ratelimit's `next`: the gate continues the pipeline itself, after the limiter returned. */
const ADMITTED = (): Promise<void> => Promise.resolve();

/**
 * What rateLimit does to a request, as a plain call: resolves when the client may go on (with the
 * limit headers set), rejects with the 429 (or, failing closed, the 503) problem. Undefined when the
 * limiter is off (`perSecond` 0).
 */
export function rateLimitGate(options: RateLimitOptions): ((ctx: Koa.ParameterizedContext<RequestState>) => Promise<void>) | undefined {
  const now = options.now ?? Date.now;
  if (options.perSecond === 0) return undefined;
  const { max, durationMs } = rateLimitWindow(options.perSecond, options.burst);
  const limiter = ratelimit({
    ...(options.redis === undefined
      ? { driver: 'memory', db: new BoundedWindows(options.maxClients ?? DEFAULT_MAX_CLIENTS, now) }
      : { driver: 'redis', db: options.redis }),
    duration: durationMs,
    max,
    namespace: options.namespace ?? 'cryptoutil:ratelimit',
    id: (ctx) => rateLimitKey(ctx.ip),
  });
  const policy = options.onStoreFailure ?? 'open';
  const { redis } = options;
  let storeFailing = false;
  /** The failure policy, applied to one request; the first failure of an outage is logged. */
  const withoutStore = (error: unknown): void => {
    if (!storeFailing) {
      storeFailing = true;
      options.logger?.warn({ error: errorClass(error), onStoreFailure: policy }, policy === 'open' ? 'rate-limit store failing; requests are let through unlimited' : 'rate-limit store failing; requests are refused');
    }
    options.storeFailures?.inc({ outcome: policy === 'open' ? 'allowed' : 'refused' });
    if (policy === 'closed') throw new ServiceUnavailableError('the rate limiter cannot reach its store', STORE_RETRY_AFTER_SECONDS);
  };
  return async function admit(ctx) {
    // Once the store has failed, requests do not wait on it (each would stall for a reconnection
    // attempt) until the client is connected again.
    if (storeFailing && redis !== undefined && redis.status !== 'ready') {
      withoutStore(undefined);
      return;
    }
    try {
      // Its `next` does nothing, so whatever it throws comes from the store.
      await limiter(ctx, ADMITTED);
    } catch (error) {
      withoutStore(error);
      return;
    }
    if (storeFailing) {
      storeFailing = false;
      options.logger?.info('rate-limit store answering again; limits apply');
    }
    // koa-ratelimit answers a refusal itself (status 429, a text body) without calling next; our
    // problem renderer owns that answer. Nothing before the limiter sets a status.
    if (ctx.status === 429) {
      const resetSeconds = Number(ctx.response.get(RESET_HEADER));
      throw new TooManyRequestsError(Math.max(1, Math.ceil(resetSeconds - now() / 1000)));
    }
  };
}
