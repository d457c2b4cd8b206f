import { setMaxListeners } from 'node:events';
import { parseApiVersion, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { abortableSleep } from './abortable-sleep.js';
import { mapConcurrently } from './bounded-concurrency.js';
import { ClusterApiError, type ClusterClient } from './cluster-client.js';

/** One subscriber of a {@link sharedKindWatch}: the names it follows and what it is told. */
export interface KindWatchListener {
  /** The names of the objects it follows (in the watch's namespace). */
  readonly names: ReadonlySet<string>;
  /** The live object (with `apiVersion` and `kind`), or undefined when it does not exist. */
  onObject(name: string, live: KubeObject | undefined): void;
  /** Every followed object was reported once (after the first list, and again after each relist). */
  onListed(): void;
  onError(error: Error): void;
}

/** A shared list+watch of one kind in one namespace: add listeners, release them. */
export interface KindWatch {
  /** Starts following; the returned function stops (the watch closes with its last listener). */
  add(listener: KindWatchListener): () => void;
}

const registry = new WeakMap<ClusterClient, Map<string, KindWatch>>();

/**
 * The list+watch of `kind` in `namespace` shared by every {@link watchDrift} on the same
 * {@link ClusterClient}: one list and one watch connection per kind and namespace, however many
 * applied sets (Kustomizations) follow objects of it.
 *
 * @remarks
 * Guarantees: a listener gets each of its objects once after it is added (from the last list, or a
 * get for a name no listener followed before), then every change of them; after a relist (the watch
 * expired or failed) every object again. Only followed names are kept in memory. The watch closes
 * when its last listener is released, and a later `add` opens a new one.
 * Errors go to every listener's `onError`; the watch lists again after a pause (0.5 s for a lost
 * connection, 1 s otherwise).
 * Errors are reported to listeners, never thrown.
 */
export function sharedKindWatch(client: ClusterClient, apiVersion: string, kind: string, namespace: string | undefined): KindWatch {
  let watches = registry.get(client);
  if (!watches) registry.set(client, (watches = new Map()));
  const key = `${apiVersion}|${kind}|${namespace ?? ''}`;
  let shared = watches.get(key);
  if (!shared) {
    shared = openKindWatch(client, apiVersion, kind, namespace, () => watches.delete(key));
    watches.set(key, shared);
  }
  return shared;
}

function openKindWatch(client: ClusterClient, apiVersion: string, kind: string, namespace: string | undefined, onClosed: () => void): KindWatch {
  const listeners = new Set<KindWatchListener>();
  /** How many listeners follow each name. */
  const wanted = new Map<string, number>();
  /** The live state of followed names whose state is known (present: the object; absent: undefined). */
  const live = new Map<string, KubeObject | undefined>();
  let listed = false;
  let controller: AbortController | undefined;
  const withKind = (object: KubeObject): KubeObject => ({ ...object, apiVersion, kind });

  const tell = (listener: KindWatchListener) => {
    for (const name of listener.names) listener.onObject(name, live.get(name));
    listener.onListed();
  };

  const run = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        const namespaced = await client.isNamespaced(apiVersion, kind, signal);
        const scope = namespaced ? namespace : undefined;
        const list = await client.list(apiVersion, kind, scope, { signal });
        live.clear();
        for (const name of wanted.keys()) live.set(name, undefined);
        for (const item of list.items) if (wanted.has(item.metadata.name)) live.set(item.metadata.name, withKind(item));
        listed = true;
        for (const listener of [...listeners]) tell(listener);
        let resourceVersion = list.resourceVersion;
        for await (const event of client.watch(apiVersion, kind, scope, { signal, resourceVersion })) {
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          const name = event.object.metadata?.name;
          if (event.type === 'BOOKMARK' || !wanted.has(name)) continue;
          const state = event.type === 'DELETED' ? undefined : withKind(event.object);
          live.set(name, state);
          for (const listener of [...listeners]) if (listener.names.has(name)) listener.onObject(name, state);
        }
      } catch (error) {
        if (signal.aborted) return;
        for (const listener of [...listeners]) listener.onError(error instanceof Error ? error : new Error(String(error)));
        await abortableSleep(error instanceof ClusterApiError && error.code === 0 ? 500 : 1_000, signal).catch(() => undefined);
      }
    }
  };

  /** Reads names no listener followed yet, so a late listener starts from their current state. */
  const catchUp = async (listener: KindWatchListener, signal: AbortSignal): Promise<void> => {
    const unknown = [...listener.names].filter((name) => !live.has(name));
    try {
      const namespaced = unknown.length > 0 ? await client.isNamespaced(apiVersion, kind, signal) : false;
      await mapConcurrently(unknown, 8, async (name) => {
        const found = await client.get({ ...parseApiVersion(apiVersion), kind, namespace: namespaced ? namespace : undefined, name } as ObjectRef, { signal });
        // A watch event may have arrived meanwhile: it is newer than the get.
        if (!live.has(name)) live.set(name, found ? withKind(found) : undefined);
      });
    } catch (error) {
      if (signal.aborted) return;
      listener.onError(error instanceof Error ? error : new Error(String(error)));
      // The next relist tells it everything.
      return;
    }
    if (!signal.aborted && listeners.has(listener)) tell(listener);
  };

  return {
    add(listener) {
      listeners.add(listener);
      for (const name of listener.names) wanted.set(name, (wanted.get(name) ?? 0) + 1);
      if (!controller) {
        controller = new AbortController();
        // Every request of the watch and of each late listener's catch-up listens on this one signal.
        setMaxListeners(0, controller.signal);
        void run(controller.signal);
      } else if (listed) void catchUp(listener, controller.signal);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        listeners.delete(listener);
        for (const name of listener.names) {
          const count = (wanted.get(name) ?? 1) - 1;
          if (count > 0) wanted.set(name, count);
          else {
            wanted.delete(name);
            live.delete(name);
          }
        }
        if (listeners.size === 0) {
          controller?.abort();
          controller = undefined;
          listed = false;
          live.clear();
          onClosed();
        }
      };
    },
  };
}
