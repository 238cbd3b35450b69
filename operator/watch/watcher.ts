/**
 * List-then-watch of one kind across all namespaces, feeding keys to the work queue. The watch asks
 * the server to end it after the resync period; every end relists, so each object is reconciled at
 * least once per period even if an event was lost (client-go informers' resync, without the cache).
 */
import type { KubeTransport } from '../kube/transport.ts';
import { collectionPath } from '../kube/paths.ts';
import type { KubeObject } from '../resources/types.ts';

/** What to watch and which queue key an object stands for (undefined: not ours). */
export interface WatchTarget {
  readonly apiVersion: string;
  readonly kind: string;
  readonly labelSelector?: string;
  /** Only this namespace; absent: every namespace. */
  readonly namespace?: string;
  readonly keyOf: (object: KubeObject) => string | undefined;
}

export interface WatcherOptions {
  readonly transport: KubeTransport;
  readonly target: WatchTarget;
  readonly onKey: (key: string) => void;
  readonly resyncSeconds?: number;
  /** Pause after a failed list or watch before trying again. */
  readonly retryMs?: number;
  readonly onError?: (error: unknown) => void;
}

interface WatchEvent {
  readonly type: string;
  readonly object: KubeObject & { readonly code?: number };
}

export class Watcher {
  readonly #options: WatcherOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> = Promise.resolve();

  constructor(options: WatcherOptions) {
    this.#options = options;
  }

  start(): void {
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { signal } = this.#abort;
    while (!signal.aborted) {
      try {
        const resourceVersion = await this.#list();
        await this.#watch(resourceVersion);
      } catch (error) {
        this.#options.onError?.(error);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#options.retryMs ?? 1_000);
          signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
        });
      }
    }
  }

  #selector(): Record<string, string> {
    const { labelSelector } = this.#options.target;
    return labelSelector === undefined ? {} : { labelSelector };
  }

  #emit(object: KubeObject): void {
    const key = this.#options.target.keyOf(object);
    if (key !== undefined) {
      this.#options.onKey(key);
    }
  }

  async #list(): Promise<string> {
    const { apiVersion, kind, namespace } = this.#options.target;
    const path = collectionPath(apiVersion, kind, namespace);
    const response = await this.#options.transport.request('GET', path, { query: this.#selector() });
    if (response.status !== 200) {
      throw new Error(`listing ${kind} answered ${String(response.status)}`);
    }
    const list = JSON.parse(response.body) as { metadata?: { resourceVersion?: string }; items?: KubeObject[] };
    for (const item of list.items ?? []) {
      // List items carry no apiVersion/kind; keys need them.
      this.#emit({ ...item, apiVersion, kind });
    }
    return list.metadata?.resourceVersion ?? '';
  }

  async #watch(resourceVersion: string): Promise<void> {
    const { apiVersion, kind, namespace } = this.#options.target;
    const query = { ...this.#selector(), resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(this.#options.resyncSeconds ?? 300) };
    await this.#options.transport.watch(collectionPath(apiVersion, kind, namespace), query, (line) => {
      const event = JSON.parse(line) as WatchEvent;
      // BOOKMARK only moves the resourceVersion; ERROR (410 Gone) ends in a relist when the stream closes.
      if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
        this.#emit({ ...event.object, apiVersion, kind });
      }
    }, this.#abort.signal);
  }
}
