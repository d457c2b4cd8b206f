import type { KubeObject } from '../resource/objects.js';
import { objectKey } from '../resource/objects.js';
import type { WatchEvent } from './watch.js';

/**
 * Computes the values an object is indexed under (an object may sit under several values).
 *
 * @remarks Return `[]` to leave an object out of the index.
 *
 * @example
 * ```ts
 * import { type IndexFunction, type KubeObject } from '@weft/reconcile-core';
 * const byApp: IndexFunction<KubeObject> = (object) => [object.metadata.labels?.['app'] ?? ''];
 * ```
 */
export type IndexFunction<T> = (object: T) => readonly string[];

/**
 * Options of {@link createStore}.
 *
 * @remarks Index names `namespace` and `label` are built in.
 *
 * @example
 * ```ts
 * import { createStore, type KubeObject } from '@weft/reconcile-core';
 * createStore<KubeObject>({ indexes: { app: (object) => [object.metadata.labels?.['app'] ?? ''] } });
 * ```
 */
export interface StoreOptions<T> {
  /**
   * Custom indexes by name, beside the built-in `namespace` and `label` indexes (a label index
   * value is `key=value`).
   */
  readonly indexes?: Readonly<Record<string, IndexFunction<T>>>;
}

/**
 * A read-only view of the objects a watch has seen, keyed by `namespace/name`.
 *
 * @remarks
 * Guarantees: readers see either the state before a relist or the state after it, never a mix
 * (the new list is swapped in atomically on `InitDone`). Objects are the ones the watch emitted,
 * deep-frozen by the writer: a reader that tries to change one gets a `TypeError` (in strict
 * code, which every ES module is) instead of silently corrupting the cache. Copy before changing
 * (`{ ...object, data: { ...object.data, a: '1' } }`, or `structuredClone(object)`).
 * @throws `byIndex`: a `RangeError` for an unknown index; `ready` and `synced`: the signal's reason when it aborts first.
 *
 * @example
 * ```ts
 * import { createStore, type KubeObject } from '@weft/reconcile-core';
 * const { store } = createStore<KubeObject>();
 * await store.ready({ signal });
 * const web = store.get('prod/web');
 * ```
 */
export interface Store<T> {
  /** The object with this key (`namespace/name` or `name`), if any. */
  get(key: string | { namespace?: string; name: string }): T | undefined;
  /** Every object, in no particular order. */
  list(): T[];
  /** Objects whose index `index` contains `value` (`byIndex('namespace', 'prod')`, `byIndex('label', 'app=web')`). */
  byIndex(index: string, value: string): T[];
  /** How many objects are cached. */
  readonly size: number;
  /** Whether the first list has completed. */
  readonly isReady: boolean;
  /**
   * Resolves once the first list has completed.
   * @throws The signal's reason when aborted first.
   */
  ready(options?: { signal?: AbortSignal }): Promise<void>;
  /** Whether a (re)list is being buffered: objects it lists are not visible until its `InitDone`. */
  readonly isSyncing: boolean;
  /**
   * Resolves once no list is being buffered (at once when none is), so a reader that missed an
   * object listed by a relist can look again after the swap.
   * @throws The signal's reason when aborted first.
   */
  synced(options?: { signal?: AbortSignal }): Promise<void>;
}

/**
 * The only handle that may change a {@link Store}: feed it the watch's events.
 *
 * @remarks Obtained only from {@link createStore}; feed it through {@link reflect}.
 *
 * @example
 * ```ts
 * import { watch, reflect, ConfigMapKind } from '@weft/reconcile-core';
 * watch(ConfigMapKind, { transport: kubeConfig }).pipe(reflect(writer)).subscribe();
 * ```
 */
export interface StoreWriter<T> {
  /** Applies one watch event (errors are ignored). */
  apply(event: WatchEvent<T>): void;
}

class IndexedState<T> {
  readonly objects = new Map<string, T>();
  /** Built on the first lookup of each index, then kept up to date: unused indexes cost nothing. */
  private readonly indexed = new Map<string, { byValue: Map<string, Set<string>>; valuesOf: Map<string, readonly string[]> }>();

  constructor(private readonly indexes: ReadonlyMap<string, IndexFunction<T>>) {}

  put(key: string, object: T): void {
    if (this.indexed.size > 0 && this.objects.has(key)) this.unindex(key);
    this.objects.set(key, object);
    for (const [name, index] of this.indexed) this.addToIndex(index, this.indexes.get(name)!, key, object);
  }

  remove(key: string): void {
    if (!this.objects.has(key)) return;
    this.unindex(key);
    this.objects.delete(key);
  }

  lookup(name: string, value: string): T[] {
    let index = this.indexed.get(name);
    if (!index) {
      const compute = this.indexes.get(name);
      if (!compute) throw new RangeError(`no index named ${JSON.stringify(name)}; known: ${[...this.indexes.keys()].join(', ')}`);
      index = { byValue: new Map(), valuesOf: new Map() };
      for (const [key, object] of this.objects) this.addToIndex(index, compute, key, object);
      this.indexed.set(name, index);
    }
    return [...(index.byValue.get(value) ?? [])].map((key) => this.objects.get(key)!);
  }

  private addToIndex(index: { byValue: Map<string, Set<string>>; valuesOf: Map<string, readonly string[]> }, compute: IndexFunction<T>, key: string, object: T): void {
    const values = compute(object);
    index.valuesOf.set(key, values);
    for (const value of values) {
      let keys = index.byValue.get(value);
      if (!keys) index.byValue.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unindex(key: string): void {
    for (const { byValue, valuesOf } of this.indexed.values()) {
      for (const value of valuesOf.get(key) ?? []) {
        const keys = byValue.get(value);
        keys?.delete(key);
        if (keys?.size === 0) byValue.delete(value);
      }
      valuesOf.delete(key);
    }
  }
}

/**
 * Creates a cache and the one writer allowed to fill it, as kube-rs' `reflector::store()`.
 *
 * @remarks
 * Guarantees: one writer, many readers; `Init` starts a buffer, `InitApply` fills it and
 * `InitDone` swaps it in at once, so a relist never shows a half-filled cache; `Apply` and
 * `Delete` update the live state (and a buffer being filled). Each index is built on its first lookup, then kept incrementally.
 * Every object the writer takes is deep-frozen first (the same instance passes on downstream of
 * {@link reflect}, frozen too), so no reader can change what another reads.
 *
 * @throws The store's `byIndex` throws a `RangeError` for an unknown index name.
 *
 * @example
 * ```ts
 * import { watch, reflect, createStore, type KubeObject, ConfigMapKind } from '@weft/reconcile-core';
 * const { store, writer } = createStore<KubeObject>({ indexes: { app: (o) => [o.metadata.labels?.['app'] ?? ''] } });
 * watch(ConfigMapKind, { transport: kubeConfig }).pipe(reflect(writer)).subscribe();
 * await store.ready();
 * store.byIndex('namespace', 'prod');
 * ```
 */
export function createStore<T extends Pick<KubeObject, 'metadata'>>(options: StoreOptions<T> = {}): { store: Store<T>; writer: StoreWriter<T> } {
  const indexes = new Map<string, IndexFunction<T>>([
    ['namespace', (object) => (object.metadata.namespace ? [object.metadata.namespace] : [])],
    ['label', (object) => Object.entries(object.metadata.labels ?? {}).map(([name, value]) => `${name}=${value}`)],
    ...Object.entries(options.indexes ?? {}),
  ]);
  let live = new IndexedState<T>(indexes);
  let buffer: IndexedState<T> | undefined;
  let isReady = false;
  const waiters = new Set<() => void>();
  const syncWaiters = new Set<() => void>();
  const wait = (into: Set<() => void>, signal: AbortSignal | undefined) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        into.delete(done);
        reject(signal?.reason);
      };
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      into.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  const keyOf = (object: T) => objectKey(object.metadata);

  const store: Store<T> = {
    get(key) {
      return live.objects.get(typeof key === 'string' ? key : objectKey(key));
    },
    list() {
      return [...live.objects.values()];
    },
    byIndex(index, value) {
      return live.lookup(index, value);
    },
    get size() {
      return live.objects.size;
    },
    get isReady() {
      return isReady;
    },
    ready({ signal } = {}) {
      return isReady ? Promise.resolve() : wait(waiters, signal);
    },
    get isSyncing() {
      return buffer !== undefined;
    },
    synced({ signal } = {}) {
      return buffer === undefined ? Promise.resolve() : wait(syncWaiters, signal);
    },
  };

  const writer: StoreWriter<T> = {
    apply(event) {
      switch (event.type) {
        case 'Init':
          buffer = new IndexedState<T>(indexes);
          break;
        case 'InitApply':
          (buffer ??= new IndexedState<T>(indexes)).put(keyOf(event.object), freezeDeep(event.object));
          break;
        case 'InitDone':
          live = buffer ?? new IndexedState<T>(indexes);
          buffer = undefined;
          for (const waiter of syncWaiters) waiter();
          syncWaiters.clear();
          if (!isReady) {
            isReady = true;
            for (const waiter of waiters) waiter();
            waiters.clear();
          }
          break;
        case 'Apply':
          freezeDeep(event.object);
          live.put(keyOf(event.object), event.object);
          buffer?.put(keyOf(event.object), event.object);
          break;
        case 'Delete':
          freezeDeep(event.object);
          live.remove(keyOf(event.object));
          buffer?.remove(keyOf(event.object));
          break;
        case 'Error':
          break;
      }
    },
  };
  return { store, writer };
}

/**
 * Freezes a JSON value and everything it holds, in place; returns it. Iterative (no recursion
 * limit on deep objects); stops at parts already frozen.
 */
function freezeDeep<V>(value: V): V {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const pending: object[] = [value];
  while (pending.length > 0) {
    const node = pending.pop() as Record<string, unknown>;
    Object.freeze(node);
    for (const key in node) {
      const child = node[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) pending.push(child);
    }
  }
  return value;
}
