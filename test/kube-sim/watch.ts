/**
 * Watches: one JSON event per line over a chunked response. Without a resourceVersion (or "0")
 * the current objects come first as ADDED; with one, the log replays what followed it, or an
 * ERROR event with 410 Expired when the log no longer reaches back that far. With
 * `allowWatchBookmarks=true` a BOOKMARK carrying the current resourceVersion follows every
 * interval; `sendInitialEvents=true` (watch-list) streams the current objects, then a BOOKMARK
 * annotated `k8s.io/initial-events-end`.
 */
import type { ServerResponse } from 'node:http';
import { errors, type KObject } from './objects.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import type { Store, StoredEvent } from './storage.ts';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly matches: (object: KObject) => boolean;
  readonly resourceVersion: string | null;
  readonly timeoutSeconds: number;
  /** Milliseconds between BOOKMARK events, or undefined when the client did not allow them. */
  readonly bookmarkIntervalMs?: number | undefined;
  /** Watch-list: the current objects, then a BOOKMARK marking the end of the initial events. */
  readonly sendInitialEvents?: boolean;
  /** For a type stored as another (events.k8s.io Events): the stored type and the conversion to the requested shape. */
  readonly storedAs?: { readonly type: ResourceType; readonly view: (object: KObject) => KObject };
}

/** How often the simulator sends bookmarks unless told otherwise (the API server's cadence is about a minute; tests want it fast). */
export const DEFAULT_BOOKMARK_INTERVAL_MS = 1000;

/** The annotation on the BOOKMARK that ends a watch-list's initial events (KEP-3157). */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

/**
 * Reads the watch-list query parameters, rejecting the combinations the API server rejects:
 * `sendInitialEvents=true` needs `allowWatchBookmarks=true` and `resourceVersionMatch=NotOlderThan`.
 */
export function watchOptions(query: URLSearchParams, bookmarkIntervalMs: number): Pick<WatchRequest, 'bookmarkIntervalMs' | 'sendInitialEvents'> {
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  if (sendInitialEvents && (!bookmarks || query.get('resourceVersionMatch') !== 'NotOlderThan')) {
    throw errors.unprocessable('sendInitialEvents=true requires allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan');
  }
  return { bookmarkIntervalMs: bookmarks ? bookmarkIntervalMs : undefined, sendInitialEvents };
}

/** Streams events until the client leaves, the timeout passes or the server stops. */
export function serveWatch(store: Store, request: WatchRequest, response: ServerResponse, onClose: (close: () => void) => () => void): void {
  response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
  // Clients wait for the headers before they read events: send them now, not with the first event.
  response.flushHeaders();
  const stored = request.storedAs?.type ?? request.type;
  const view = request.storedAs?.view ?? ((object: KObject): KObject => object);
  const relevant = (event: StoredEvent): boolean =>
    event.resource.group === stored.group &&
    event.resource.plural === stored.plural &&
    (request.namespace === undefined || event.object.metadata.namespace === request.namespace) &&
    request.matches(view(event.object));
  const send = (type: string, object: unknown): void => {
    response.write(`${JSON.stringify({ type, object })}\n`);
  };
  // Events go out synchronously as the store changes, so its revision is what this watch has seen.
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata = annotations === undefined ? { resourceVersion: String(store.revision) } : { resourceVersion: String(store.revision), annotations };
    send('BOOKMARK', { kind: request.type.kind, apiVersion: apiVersionOf(request.type), metadata });
  };
  const from = request.sendInitialEvents === true || request.resourceVersion === null || request.resourceVersion === '' || request.resourceVersion === '0' ? undefined : Number(request.resourceVersion);
  if (from === undefined) {
    for (const object of store.list(stored, request.namespace).map(view)) if (request.matches(object)) send('ADDED', object);
    if (request.sendInitialEvents === true) bookmark({ [INITIAL_EVENTS_END]: 'true' });
  } else {
    const replay = store.since(from);
    if (replay === undefined) {
      send('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from}`, reason: 'Expired', code: 410 });
      response.end();
      return;
    }
    for (const event of replay) if (relevant(event)) send(event.type, view(event.object));
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearTimeout(timer);
    clearInterval(bookmarks);
    forget();
    response.end();
  };
  const unsubscribe = store.subscribe((event) => {
    if (relevant(event)) send(event.type, view(event.object));
  });
  const timer = setTimeout(close, request.timeoutSeconds * 1000);
  const bookmarks = request.bookmarkIntervalMs === undefined ? undefined : setInterval(() => { bookmark(); }, request.bookmarkIntervalMs);
  const forget = onClose(close);
  response.on('close', close);
}
