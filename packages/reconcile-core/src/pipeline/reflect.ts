import { type MonoTypeOperatorFunction, tap } from 'rxjs';
import type { StoreWriter } from './store.js';
import type { WatchEvent } from './watch.js';

/**
 * An rxjs operator that keeps a {@link Store} up to date from a {@link watch} stream.
 *
 * @remarks
 * Guarantees: events pass through unchanged and in order, each after it was written to the
 * store, so a stage downstream that reads the store sees at least that event's state.
 *
 * @example
 * ```ts
 * import { watch, reflect, createStore, type KubeObject, ConfigMapKind } from '@weft/reconcile-core';
 * const { store, writer } = createStore<KubeObject>();
 * watch(ConfigMapKind, { transport: kubeConfig }).pipe(reflect(writer)).subscribe();
 * ```
 */
export function reflect<T>(writer: StoreWriter<T>): MonoTypeOperatorFunction<WatchEvent<T>> {
  return tap((event) => writer.apply(event));
}
