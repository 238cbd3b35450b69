/**
 * An informer for one kind, with the behaviour of client-go's reflector but no object cache
 * (decision record docs/decisions/0003-operator-watches.md): list once, then watch from the last
 * resourceVersion seen, moved on by every event and BOOKMARK. A watch the server ends is resumed
 * from there, not relisted; only 410 Gone (the server no longer reaches back that far) relists,
 * and the relist tells apart what changed and what vanished meanwhile. Failures back off
 * exponentially with jitter. Each object is handed to the queue again about once per resync
 * period, spread out over time, never all at once and never through a relist.
 *
 * What is kept per object is its resourceVersion and queue key only, and Secrets are watched as
 * metadata: their data never reaches the watcher.
 */
import { KubeApiError } from '../kube/api.ts';
import { METADATA_LIST, METADATA_WATCH } from '../kube/transport.ts';
import type { KubeTransport } from '../kube/transport.ts';
import { collectionPath } from '../kube/paths.ts';
import type { KubeObject } from '../resources/types.ts';
import type { CancelTimer, SetTimer } from '../queue/work-queue.ts';

/** What to watch and which queue key an object stands for (undefined: not ours). */
export interface WatchTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly labelSelector?: string;
  /** Only this namespace; absent: every namespace. */
  readonly namespace?: string;
  readonly keyOf: (object: KubeObject) => string | undefined;
  /**
   * Whether each object is handed to the queue again every resync period (default true). Children
   * say false: their owner's own resync covers them.
   */
  readonly resync?: boolean;
  /** Lists and watches metadata only (PartialObjectMetadata): what Secrets are watched with. */
  readonly metadataOnly?: boolean;
  /**
   * Hands an object over only when something besides its status changed (generation, labels,
   * annotations, finalizers, deletion), as controller-runtime's GenerationChangedPredicate with
   * the metadata a controller also acts on. For the primary kinds, whose status only the operator
   * writes: its own status write would otherwise start a second reconcile of every change.
   */
  readonly ignoreStatusOnly?: boolean;
}

export interface WatcherOptions {
  readonly transport: KubeTransport;
  readonly target: WatchTarget;
  readonly onKey: (key: string) => void;
  /** Each object's key comes again about this often (±25 %), events or not. Default 300. */
  readonly resyncSeconds?: number;
  /** The shortest watch asked of the server; each asks for between this and twice this. Default 300, as client-go. */
  readonly watchSeconds?: number;
  /** First pause after a failure; it doubles with each failure in a row. Default 1 s. */
  readonly retryMs?: number;
  /** The longest pause after failures. Default 30 s. */
  readonly maxRetryMs?: number;
  readonly onError?: (error: unknown) => void;
  /** Called when a 410 makes the watcher list again. */
  readonly onRelist?: () => void;
  /** Replaceable for tests. */
  readonly now?: () => number;
  readonly random?: () => number;
  readonly setTimer?: SetTimer;
}

interface WatchEvent {
  readonly type: string;
  readonly object: KubeObject & { readonly code?: number; readonly message?: string };
}

/** What is remembered of one object. */
interface Seen {
  readonly resourceVersion: string;
  readonly key: string | undefined;
  /** With `ignoreStatusOnly`: what of the object a reconcile acts on besides its spec's generation. */
  readonly outside?: string;
}

/** Everything of an object but its status that a change shows in: the spec through the generation. */
function outsideStatus(object: KubeObject): string {
  const { generation, labels, annotations, finalizers, deletionTimestamp } = object.metadata;
  return JSON.stringify([generation, labels ?? {}, annotations ?? {}, finalizers ?? [], deletionTimestamp ?? null]);
}

/** The server no longer has the history after our resourceVersion: only a relist helps. */
class Gone extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Gone';
  }
}

/** A watch the server ended at once without a single event is a failure (client-go does the same). */
const SHORTEST_HEALTHY_WATCH_MS = 1_000;

const realTimer: SetTimer = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  timer.unref();
  return () => { clearTimeout(timer); };
};

function idOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

export class Watcher {
  readonly #options: WatcherOptions;
  readonly #abort = new AbortController();
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #setTimer: SetTimer;
  readonly #seen = new Map<string, Seen>();
  /** When each object is next handed over by resync. */
  readonly #due = new Map<string, number>();
  #resyncTimer: CancelTimer | undefined;
  /** Where the next watch starts: the last resourceVersion seen; undefined: list first. */
  #resourceVersion: string | undefined;
  #loop: Promise<void> = Promise.resolve();

  constructor(options: WatcherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#setTimer = options.setTimer ?? realTimer;
  }

  /** How many objects are known (for tests and metrics). */
  get size(): number {
    return this.#seen.size;
  }

  start(): void {
    this.#loop = this.#run();
    this.#armResync();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#resyncTimer?.();
    await this.#loop;
  }

  /** Whether stop() was called; read anew after every await. */
  #stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopping()) {
      try {
        this.#resourceVersion ??= await this.#list();
        await this.#watch(this.#resourceVersion);
        failures = 0;
      } catch (error) {
        if (this.#stopping()) {
          break;
        }
        if (error instanceof Gone) {
          // Relist at once, as client-go does: the history is gone, waiting brings nothing back.
          this.#resourceVersion = undefined;
          this.#options.onRelist?.();
          continue;
        }
        this.#options.onError?.(error);
        failures += 1;
        await this.#pause(failures);
      }
    }
  }

  /** Exponential backoff with jitter: between half and all of min(max, first × 2^(failures−1)). */
  #pause(failures: number): Promise<void> {
    const ceiling = Math.min(this.#options.maxRetryMs ?? 30_000, (this.#options.retryMs ?? 1_000) * 2 ** (failures - 1));
    const delayMs = ceiling / 2 + (this.#random() * ceiling) / 2;
    const { signal } = this.#abort;
    return new Promise<void>((resolve) => {
      const cancel = this.#setTimer(resolve, delayMs);
      signal.addEventListener('abort', () => { cancel(); resolve(); }, { once: true });
    });
  }

  #selector(): Record<string, string> {
    const { labelSelector } = this.#options.target;
    return labelSelector === undefined ? {} : { labelSelector };
  }

  /** Remembers the object and hands its key over. */
  #upsert(object: KubeObject): void {
    const { apiVersion, kind, ignoreStatusOnly } = this.#options.target;
    const key = this.#options.target.keyOf({ ...object, apiVersion, kind });
    const id = idOf(object);
    const outside = ignoreStatusOnly === true ? outsideStatus(object) : undefined;
    const before = this.#seen.get(id);
    this.#seen.set(id, { resourceVersion: object.metadata.resourceVersion ?? '', key, ...(outside === undefined ? {} : { outside }) });
    if (outside !== undefined && before?.outside === outside && before.key === key) {
      return;
    }
    this.#scheduleResync(id);
    this.#hand(key);
  }

  #forget(id: string, key: string | undefined): void {
    this.#seen.delete(id);
    this.#due.delete(id);
    this.#hand(key);
  }

  #hand(key: string | undefined): void {
    if (key !== undefined) {
      this.#options.onKey(key);
    }
  }

  /**
   * Lists the kind; hands over what is new or changed since last seen and what vanished, and
   * returns the list's resourceVersion to watch from.
   */
  async #list(): Promise<string> {
    const { apiVersion, kind, namespace } = this.#options.target;
    const path = collectionPath(apiVersion, kind, namespace);
    const accept = this.#options.target.metadataOnly === true ? { accept: METADATA_LIST } : {};
    const response = await this.#options.transport.request('GET', path, { query: this.#selector(), ...accept });
    if (response.status !== 200) {
      throw new KubeApiError('GET', path, response.status, response.body);
    }
    const list = JSON.parse(response.body) as { metadata?: { resourceVersion?: string }; items?: KubeObject[] };
    const listed = new Set<string>();
    for (const item of list.items ?? []) {
      const id = idOf(item);
      listed.add(id);
      if (this.#seen.get(id)?.resourceVersion !== item.metadata.resourceVersion) {
        this.#upsert(item);
      }
    }
    for (const [id, seen] of [...this.#seen]) {
      if (!listed.has(id)) {
        this.#forget(id, seen.key);
      }
    }
    return list.metadata?.resourceVersion ?? '';
  }

  /**
   * One watch from `resourceVersion`. Every event moves the resourceVersion on, so even a watch that
   * fails halfway is resumed after what it delivered.
   */
  async #watch(resourceVersion: string): Promise<void> {
    const { apiVersion, kind, namespace } = this.#options.target;
    const seconds = Math.round((this.#options.watchSeconds ?? 300) * (1 + this.#random()));
    const query = { ...this.#selector(), resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(seconds) };
    let events = 0;
    let failure: Error | undefined;
    const started = this.#now();
    await this.#options.transport.watch(collectionPath(apiVersion, kind, namespace), query, (line) => {
      if (failure !== undefined) {
        return;
      }
      const event = JSON.parse(line) as WatchEvent;
      events += 1;
      if (event.type === 'ERROR') {
        const message = event.object.message ?? 'the watch failed';
        failure = event.object.code === 410 ? new Gone(message) : new Error(`watching ${kind}: ${message}`);
        return;
      }
      this.#resourceVersion = event.object.metadata.resourceVersion ?? this.#resourceVersion;
      if (event.type === 'DELETED') {
        const id = idOf(event.object);
        this.#forget(id, this.#seen.get(id)?.key ?? this.#options.target.keyOf({ ...event.object, apiVersion, kind }));
      } else if (event.type === 'ADDED' || event.type === 'MODIFIED') {
        this.#upsert(event.object);
      }
    }, this.#abort.signal, this.#options.target.metadataOnly === true ? METADATA_WATCH : undefined).catch((error: unknown) => {
      throw error instanceof KubeApiError && error.status === 410 ? new Gone(error.message) : error;
    });
    if (failure !== undefined) {
      throw failure;
    }
    if (events === 0 && this.#now() - started < SHORTEST_HEALTHY_WATCH_MS && !this.#stopping()) {
      throw new Error(`watching ${kind}: the server ended the watch at once`);
    }
  }

  #scheduleResync(id: string): void {
    if (this.#options.target.resync === false) {
      return;
    }
    const periodMs = (this.#options.resyncSeconds ?? 300) * 1000;
    this.#due.set(id, this.#now() + periodMs * (0.75 + this.#random() / 2));
  }

  /**
   * One timer per watcher, ticking twenty times a period: each tick hands over the objects whose
   * time has come and schedules their next turn.
   */
  #armResync(): void {
    if (this.#options.target.resync === false || this.#stopping()) {
      return;
    }
    const tickMs = ((this.#options.resyncSeconds ?? 300) * 1000) / 20;
    this.#resyncTimer = this.#setTimer(() => {
      const now = this.#now();
      for (const [id, due] of [...this.#due]) {
        if (due <= now) {
          this.#scheduleResync(id);
          this.#hand(this.#seen.get(id)?.key);
        }
      }
      this.#armResync();
    }, tickMs);
  }
}
