/**
 * Watches: one JSON event per line over a chunked response. Without a resourceVersion (or "0")
 * the current objects come first as ADDED; with one, the log replays what followed it, or an
 * ERROR event with 410 Expired when the log no longer reaches back that far.
 */
import type { ServerResponse } from 'node:http';
import type { KObject } from './objects.ts';
import type { ResourceType } from './resources.ts';
import type { Store, StoredEvent } from './storage.ts';

export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly matches: (object: KObject) => boolean;
  readonly resourceVersion: string | null;
  readonly timeoutSeconds: number;
}

/** Streams events until the client leaves, the timeout passes or the server stops. */
export function serveWatch(store: Store, request: WatchRequest, response: ServerResponse, onClose: (close: () => void) => () => void): void {
  response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
  // Clients wait for the headers before they read events: send them now, not with the first event.
  response.flushHeaders();
  const relevant = (event: StoredEvent): boolean =>
    event.resource.group === request.type.group &&
    event.resource.plural === request.type.plural &&
    (request.namespace === undefined || event.object.metadata.namespace === request.namespace) &&
    request.matches(event.object);
  const send = (type: string, object: unknown): void => {
    response.write(`${JSON.stringify({ type, object })}\n`);
  };
  const from = request.resourceVersion === null || request.resourceVersion === '' || request.resourceVersion === '0' ? undefined : Number(request.resourceVersion);
  if (from === undefined) {
    for (const object of store.list(request.type, request.namespace)) if (request.matches(object)) send('ADDED', object);
  } else {
    const replay = store.since(from);
    if (replay === undefined) {
      send('ERROR', { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${from}`, reason: 'Expired', code: 410 });
      response.end();
      return;
    }
    for (const event of replay) if (relevant(event)) send(event.type, event.object);
  }
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearTimeout(timer);
    forget();
    response.end();
  };
  const unsubscribe = store.subscribe((event) => {
    if (relevant(event)) send(event.type, event.object);
  });
  const timer = setTimeout(close, request.timeoutSeconds * 1000);
  const forget = onClose(close);
  response.on('close', close);
}
