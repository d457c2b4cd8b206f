import type { KubeObject } from './objects.js';
import { objectKey } from './objects.js';
import type { WatchEvent } from './watch.js';

/** Computes the values an object is indexed under (an object may sit under several values). */
export type IndexFunction<T> = (object: T) => readonly string[];

/** Options of {@link createStore}. */
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
 * (the new list is swapped in atomically on `InitDone`). Objects are the ones the watch
 * emitted: do not mutate them.
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
}

/** The only handle that may change a {@link Store}: feed it the watch's events. */
export interface StoreWriter<T> {
  /** Applies one watch event (errors are ignored). */
  apply(event: WatchEvent<T>): void;
}

class IndexedState<T> {
  readonly objects = new Map<string, T>();
  private readonly indexed = new Map<string, Map<string, Set<string>>>();
  private readonly valuesOf = new Map<string, Map<string, readonly string[]>>();

  constructor(private readonly indexes: ReadonlyMap<string, IndexFunction<T>>) {
    for (const name of indexes.keys()) {
      this.indexed.set(name, new Map());
      this.valuesOf.set(name, new Map());
    }
  }

  put(key: string, object: T): void {
    if (this.objects.has(key)) this.unindex(key);
    this.objects.set(key, object);
    for (const [name, index] of this.indexes) {
      const values = index(object);
      this.valuesOf.get(name)!.set(key, values);
      const byValue = this.indexed.get(name)!;
      for (const value of values) {
        let keys = byValue.get(value);
        if (!keys) byValue.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  remove(key: string): void {
    if (!this.objects.has(key)) return;
    this.unindex(key);
    this.objects.delete(key);
  }

  lookup(index: string, value: string): T[] {
    const byValue = this.indexed.get(index);
    if (!byValue) throw new RangeError(`no index named ${JSON.stringify(index)}; known: ${[...this.indexed.keys()].join(', ')}`);
    return [...(byValue.get(value) ?? [])].map((key) => this.objects.get(key)!);
  }

  private unindex(key: string): void {
    for (const [name, valuesByKey] of this.valuesOf) {
      const byValue = this.indexed.get(name)!;
      for (const value of valuesByKey.get(key) ?? []) {
        const keys = byValue.get(value);
        keys?.delete(key);
        if (keys?.size === 0) byValue.delete(value);
      }
      valuesByKey.delete(key);
    }
  }
}

/**
 * Creates a cache and the one writer allowed to fill it, as kube-rs' `reflector::store()`.
 *
 * @remarks
 * Guarantees: one writer, many readers; `Init` starts a buffer, `InitApply` fills it and
 * `InitDone` swaps it in at once, so a relist never shows a half-filled cache; `Apply` and
 * `Delete` update the live state (and a buffer being filled). Indexes are kept incrementally.
 *
 * @throws Never; `byIndex` throws a `RangeError` for an unknown index name.
 *
 * @example
 * ```ts
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
  const keyOf = (object: T) => objectKey({ namespace: object.metadata.namespace, name: object.metadata.name });

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
      if (isReady) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const onAbort = () => {
          waiters.delete(done);
          reject(signal?.reason);
        };
        const done = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        waiters.add(done);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };

  const writer: StoreWriter<T> = {
    apply(event) {
      switch (event.type) {
        case 'Init':
          buffer = new IndexedState<T>(indexes);
          break;
        case 'InitApply':
          (buffer ??= new IndexedState<T>(indexes)).put(keyOf(event.object), event.object);
          break;
        case 'InitDone':
          live = buffer ?? new IndexedState<T>(indexes);
          buffer = undefined;
          if (!isReady) {
            isReady = true;
            for (const waiter of waiters) waiter();
            waiters.clear();
          }
          break;
        case 'Apply':
          live.put(keyOf(event.object), event.object);
          buffer?.put(keyOf(event.object), event.object);
          break;
        case 'Delete':
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
