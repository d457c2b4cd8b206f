import { type LongTimeout, setLongTimeout } from '@weft/reconcile-core';
import type { ServerResponse } from 'node:http';
import { present } from './present.js';
import { apiVersionOf } from './resources.js';
import { compileFieldSelector, compileLabelSelector } from './selectors.js';
import type { ResourceRequest, ServerState } from './server-state.js';
import type { StoreEvent } from './storage.js';
import { statusError, type StatusBody } from './status-error.js';
import type { StoredObject } from './stored-object.js';
import { toTable } from './table.js';

/** How often a watch with `allowWatchBookmarks` gets a BOOKMARK, and how long history is kept. */
export interface WatchSettings {
  readonly bookmarkIntervalMs: number;
}

let lastSerialized: { type: string; object: unknown; line: string } | undefined;

/**
 * One event's line, serialised once for all the watchers it goes to (a change reaches every watcher
 * of its resource in one synchronous loop, with the same frozen object).
 */
function serializedEvent(type: string, object: unknown): string {
  if (lastSerialized && lastSerialized.type === type && lastSerialized.object === object) return lastSerialized.line;
  const line = `${JSON.stringify({ type, object })}\n`;
  lastSerialized = { type, object, line };
  return line;
}

/** An open watch stream, so fault injection can cut it. */
export interface WatchConnection {
  close(): void;
}

/**
 * Serves a watch as the apiserver does: newline-delimited JSON events (ADDED, MODIFIED, DELETED,
 * BOOKMARK, ERROR), starting from `resourceVersion` (replayed from history), or with the current objects
 * as ADDED events first (no resourceVersion, `0`, or `sendInitialEvents=true` ending in a bookmark
 * annotated `k8s.io/initial-events-end`). A resourceVersion older than the kept history gets an ERROR
 * event with a 410 Expired Status, as the watch cache answers.
 *
 * @throws {@link StatusError} 422 for `sendInitialEvents` without `resourceVersionMatch=NotOlderThan` and bookmarks.
 */
export function serveWatch(state: ServerState, request: ResourceRequest, response: ServerResponse, asTable: boolean, settings: WatchSettings, connections: Set<WatchConnection>): void {
  const { resource, query } = request;
  const byLabel = compileLabelSelector(query.get('labelSelector') ?? undefined);
  const byField = compileFieldSelector(query.get('fieldSelector') ?? undefined, resource);
  const matches = (object: StoredObject) =>
    (request.namespace === undefined || !resource.namespaced || object.metadata.namespace === request.namespace) &&
    (request.name === undefined || object.metadata.name === request.name) &&
    byLabel(object) &&
    byField(object);
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const sendInitial = query.get('sendInitialEvents');
  const requestedVersion = query.get('resourceVersion') ?? '';
  if (sendInitial === 'true' && (query.get('resourceVersionMatch') !== 'NotOlderThan' || !bookmarks)) {
    throw statusError(422, 'Invalid', 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled and resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true', {
      kind: 'ListOptions', group: 'meta.k8s.io', causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents requires resourceVersionMatch=NotOlderThan and allowWatchBookmarks=true', field: 'sendInitialEvents' }],
    });
  }

  response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  response.flushHeaders();
  let lastSent = 0;
  let open = true;
  const write = (type: string, object: unknown) => {
    if (!open) return;
    if (asTable && type !== 'ERROR' && type !== 'BOOKMARK') {
      response.write(`${JSON.stringify({ type, object: toTable(state.registry, resource, [object as StoredObject], {}) })}\n`);
      return;
    }
    response.write(serializedEvent(type, object));
  };
  // A watch from a resourceVersion the store has not reached yet is silent until it does (events and
  // bookmarks at or below it are not sent), as the watch cache serves it.
  let floor = 0;
  const bookmark = (annotations?: Record<string, string>) =>
    state.store.resourceVersion > floor &&
    write('BOOKMARK', { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata: { resourceVersion: String(state.store.resourceVersion), ...(annotations ? { annotations } : {}) } });
  const deliver = (event: StoreEvent) => {
    if (event.resource.group !== resource.group || event.resource.plural !== resource.plural) return;
    if (event.resourceVersion <= lastSent) return;
    lastSent = event.resourceVersion;
    const now = matches(event.object);
    const before = event.previous !== undefined && matches(event.previous);
    if (event.type === 'ADDED' && now) write('ADDED', present(resource, event.object));
    else if (event.type === 'DELETED' && (now || before)) write('DELETED', present(resource, event.object));
    else if (event.type === 'MODIFIED') {
      if (now && before) write('MODIFIED', present(resource, event.object));
      else if (now) write('ADDED', present(resource, event.object));
      else if (before) write('DELETED', present(resource, event.object));
    }
  };

  const pending: StoreEvent[] = [];
  let replaying = true;
  const unsubscribe = state.store.subscribe((event) => (replaying ? pending.push(event) : deliver(event)));
  // Any delay: a bookmark interval or timeoutSeconds past 2^31−1 ms must not become 1 ms.
  const timers: LongTimeout[] = [];
  const connection: WatchConnection = {
    close() {
      if (!open) return;
      open = false;
      unsubscribe();
      for (const timer of timers) timer.clear();
      connections.delete(connection);
      response.end();
    },
  };
  connections.add(connection);
  response.on('close', () => connection.close());

  const initial = sendInitial === 'true' || (sendInitial !== 'false' && (requestedVersion === '' || requestedVersion === '0'));
  if (initial) {
    lastSent = state.store.resourceVersion;
    for (const object of state.store.list(resource, resource.namespaced ? request.namespace : undefined)) if (matches(object)) write('ADDED', present(resource, object));
    if (sendInitial === 'true') bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else if (requestedVersion !== '' && requestedVersion !== '0') {
    const from = Number(requestedVersion);
    const changes = Number.isFinite(from) ? state.store.changesSince(from) : undefined;
    if (!Number.isFinite(from)) {
      write('ERROR', statusError(400, 'BadRequest', `resourceVersion: Invalid value: "${requestedVersion}": strconv.ParseUint: parsing "${requestedVersion}": invalid syntax`).status);
      connection.close();
      return;
    }
    if (changes === undefined) {
      const gone: StatusBody = statusError(410, 'Expired', `too old resource version: ${from} (${state.store.oldestWatchable})`).status;
      write('ERROR', gone);
      connection.close();
      return;
    }
    lastSent = from;
    floor = from;
    for (const event of changes) deliver(event);
  } else {
    lastSent = state.store.resourceVersion;
  }
  replaying = false;
  for (const event of pending.splice(0)) deliver(event);

  if (bookmarks) {
    const tick = () => {
      bookmark();
      timers[0] = setLongTimeout(tick, settings.bookmarkIntervalMs);
    };
    timers[0] = setLongTimeout(tick, settings.bookmarkIntervalMs);
  }
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
  if (timeoutSeconds > 0) timers.push(setLongTimeout(() => connection.close(), timeoutSeconds * 1000));
}
