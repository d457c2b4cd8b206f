import { setMaxListeners } from 'node:events';
import { createStore, exponentialBackoff, parseApiVersion, reflect, sleep, watch, type KubeClient, type KubeObject, type Store, type StoreWriter, type WatchEvent } from '@weft/reconcile-core';
import type { Subscription } from 'rxjs';
import { mapConcurrently } from './bounded-concurrency.js';
import { getLive } from './requests.js';

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

const registry = new WeakMap<KubeClient, Map<string, KindWatch>>();

/**
 * The list+watch of `kind` in `namespace` shared by every {@link watchDrift} on the same
 * `KubeClient`: one reconcile-core `watch()` reflected into one store per kind and namespace,
 * however many applied sets (Kustomizations) follow objects of it.
 *
 * @remarks
 * Guarantees: a listener gets each of its objects once after it is added, then every change of
 * them; after a relist (the watch expired) every object again, once the new list is swapped into
 * the store. What a listener is told first is never older than what its caller wrote just before
 * adding it: the first list is a consistent read, and a listener added to a running watch reads
 * its objects with a get each (the store may not have seen that write yet), unless a watch event
 * for the object came meanwhile (it is newer). The watch closes when its last listener is released, and a later
 * `add` opens a new one. Errors (the kind is not served yet, the watch broke) go to every
 * listener's `onError`; `watch()` retries them with a backoff of 0.5 s doubling to 5 s.
 * Caveat: the store holds every object of the kind in the namespace, followed or not (managed
 * fields included: drift names the managers that edited an object).
 * Errors are reported to listeners, never thrown.
 */
export function sharedKindWatch(client: KubeClient, apiVersion: string, kind: string, namespace: string | undefined): KindWatch {
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

/** One opening of a shared watch, from its first listener to its last. */
interface Opened {
  readonly abort: AbortController;
  readonly store: Store<KubeObject>;
  /** The store's one writer: only the watch's events reach it. */
  readonly writer: StoreWriter<KubeObject>;
  /** The namespace the store is keyed by: the watch's, or none for a cluster-scoped kind. */
  scope: string | undefined;
  subscription: Subscription | undefined;
  /** A relist's state is about to be told to every listener: events until then are in it. */
  tellingAll: boolean;
  /** Listeners reading their objects with gets, and the names a watch event has told them since. */
  readonly catchingUp: Map<KindWatchListener, Set<string>>;
}

function openKindWatch(client: KubeClient, apiVersion: string, kind: string, namespace: string | undefined, onClosed: () => void): KindWatch {
  const listeners = new Set<KindWatchListener>();
  let opened: Opened | undefined;

  const tell = (state: Opened, listener: KindWatchListener): void => {
    for (const name of listener.names) listener.onObject(name, state.store.get({ namespace: state.scope, name }));
    listener.onListed();
  };
  const fail = (error: Error): void => {
    for (const listener of [...listeners]) listener.onError(error);
  };

  const onEvent = (state: Opened, event: WatchEvent<KubeObject>): void => {
    switch (event.type) {
      case 'InitDone':
        // A relist's deletions follow InitDone at once; the store has them when this runs.
        state.tellingAll = true;
        queueMicrotask(() => {
          state.tellingAll = false;
          if (opened === state) for (const listener of [...listeners]) tell(state, listener);
        });
        return;
      case 'Apply':
      case 'Delete': {
        if (state.tellingAll) return;
        const name = event.object.metadata.name;
        const live = event.type === 'Apply' ? event.object : undefined;
        for (const listener of [...listeners]) {
          if (!listener.names.has(name)) continue;
          state.catchingUp.get(listener)?.add(name);
          listener.onObject(name, live);
        }
        return;
      }
      case 'Error':
        fail(event.error);
        return;
      default:
        return;
    }
  };

  /** Resolves the kind (a CRD may not be served yet: retried), then watches it into the store. */
  const start = async (state: Opened): Promise<void> => {
    const signal = state.abort.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const resource = await client.resourceKind({ apiVersion, kind }, { signal });
        state.scope = resource.namespaced ? namespace : undefined;
        state.subscription = watch(resource, { transport: client, namespace: state.scope, consistentList: true, backoff: exponentialBackoff({ initialMs: 500, maxMs: 5_000 }) })
          .pipe(reflect(state.writer))
          .subscribe((event) => onEvent(state, event));
        if (signal.aborted) state.subscription.unsubscribe();
        return;
      } catch (error) {
        if (signal.aborted) return;
        fail(error instanceof Error ? error : new Error(String(error)));
        await sleep(Math.min(5_000, 500 * 2 ** attempt), signal);
      }
    }
  };

  /** Reads a late listener's objects (the store may lag behind what its caller just wrote), then says it is listed. */
  const catchUp = async (state: Opened, listener: KindWatchListener): Promise<void> => {
    const signal = state.abort.signal;
    const names = [...listener.names];
    const moved = new Set<string>();
    state.catchingUp.set(listener, moved);
    try {
      const { group, version } = parseApiVersion(apiVersion);
      const found = await mapConcurrently(names, 8, (name) => getLive(client, { group, version, kind, name, ...(state.scope ? { namespace: state.scope } : {}) }, { signal }));
      if (signal.aborted || opened !== state || !listeners.has(listener)) return;
      for (const [index, name] of names.entries()) if (!moved.has(name)) listener.onObject(name, found[index]);
      listener.onListed();
    } catch (error) {
      if (signal.aborted || opened !== state || !listeners.has(listener)) return;
      listener.onError(error instanceof Error ? error : new Error(String(error)));
      // The store is the next best thing; the watch brings every change from here on.
      tell(state, listener);
    } finally {
      state.catchingUp.delete(listener);
    }
  };

  return {
    add(listener) {
      listeners.add(listener);
      if (!opened) {
        const { store, writer } = createStore<KubeObject>();
        const state: Opened = { abort: new AbortController(), store, writer, scope: namespace, subscription: undefined, tellingAll: false, catchingUp: new Map() };
        // The watch's requests and every late listener's gets listen on this one signal.
        setMaxListeners(0, state.abort.signal);
        opened = state;
        void start(state);
      } else if (opened.store.isReady) void catchUp(opened, listener);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        listeners.delete(listener);
        if (listeners.size > 0 || !opened) return;
        opened.abort.abort();
        opened.subscription?.unsubscribe();
        opened = undefined;
        onClosed();
      };
    },
  };
}
