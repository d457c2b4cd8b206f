import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { type KubeObject, objectKey } from '../resource/objects.js';
import type { WatchEvent } from './watch.js';

/**
 * What of an object matters to a trigger: events whose value equals the last value seen for the
 * same object are dropped by {@link predicateFilter}. `undefined` means "cannot tell": the event passes.
 *
 * @remarks kube-rs's `Predicate`; controller-runtime's `GenerationChangedPredicate` is {@link predicates}`.generation`.
 * @example
 * ```ts
 * import { type Predicate, type KubeObject } from '@weft/reconcile-core';
 * const image: Predicate<KubeObject> = (object) => JSON.stringify((object as { spec?: { template?: unknown } }).spec?.template);
 * ```
 */
export type Predicate<T> = (object: T) => string | number | undefined;

const keyOf = (object: Pick<KubeObject, 'metadata'>) => objectKey({ namespace: object.metadata.namespace, name: object.metadata.name });
const json = (value: unknown) => (value === undefined ? '' : JSON.stringify(value));

/**
 * Ready-made {@link Predicate}s.
 *
 * @remarks
 * - `generation`: `metadata.generation` (and whether `deletionTimestamp` is set), so status-only
 *   writes, such as the controller's own, trigger nothing. Objects without a generation always pass.
 * - `labels`, `annotations`, `finalizers`: that part of `metadata`.
 * - `resourceVersion`: every stored change (filters only relists of unchanged objects).
 * Combine them with {@link anyOf}.
 * @example
 * ```ts
 * import { predicates, anyOf, controller } from '@weft/reconcile-core';
 * controller(WebAppKind, { predicate: anyOf(predicates.generation, predicates.annotations, predicates.finalizers) });
 * ```
 */
export const predicates = {
  generation: (object: Pick<KubeObject, 'metadata'>) =>
    object.metadata.generation === undefined ? undefined : `${object.metadata.generation}${object.metadata.deletionTimestamp ? ' deleting' : ''}`,
  labels: (object: Pick<KubeObject, 'metadata'>) => json(object.metadata.labels),
  annotations: (object: Pick<KubeObject, 'metadata'>) => json(object.metadata.annotations),
  finalizers: (object: Pick<KubeObject, 'metadata'>) => json(object.metadata.finalizers),
  resourceVersion: (object: Pick<KubeObject, 'metadata'>) => object.metadata.resourceVersion,
} as const;

/**
 * A predicate whose value changes when any of `parts` changes (an event passes when any part
 * changed). A part that cannot tell (`undefined`) makes the whole value `undefined`: the event passes.
 *
 * @example
 * ```ts
 * import { predicates, anyOf } from '@weft/reconcile-core';
 * anyOf(predicates.generation, predicates.annotations);
 * ```
 */
export function anyOf<T>(...parts: readonly Predicate<T>[]): Predicate<T> {
  return (object) => {
    const values: (string | number)[] = [];
    for (const part of parts) {
      const value = part(object);
      if (value === undefined) return undefined;
      values.push(value);
    }
    return JSON.stringify(values);
  };
}

/**
 * An operator that drops `InitApply` and `Apply` events whose {@link Predicate} value equals the
 * last value seen for the same object (`namespace/name`); kube-rs's `predicate_filter`.
 *
 * @remarks
 * Guarantees: the first event of each object passes; `Delete` always passes and forgets the
 * object; `Init`, `InitDone` and `Error` pass unchanged. An object whose value changed while a
 * watch was down passes when the relist shows it. Put it after {@link reflect}: the cache must
 * still see every event, only triggers are filtered. Memory: one value per object seen.
 * Errors: a throwing predicate lets that event pass.
 * @example
 * ```ts
 * import { watch, reflect, predicates, predicateFilter, triggerSelf } from '@weft/reconcile-core';
 * watch(WebAppKind, { transport }).pipe(reflect(writer), predicateFilter(predicates.generation), triggerSelf());
 * ```
 */
export function predicateFilter<T extends Pick<KubeObject, 'metadata'>>(predicate: Predicate<T>): MonoTypeOperatorFunction<WatchEvent<T>> {
  return (source) =>
    new Observable<WatchEvent<T>>((subscriber) => {
      const seen = new Map<string, string | number>();
      return source.subscribe({
        next(event) {
          if (event.type === 'Delete') seen.delete(keyOf(event.object));
          else if (event.type === 'InitApply' || event.type === 'Apply') {
            const key = keyOf(event.object);
            let value: string | number | undefined;
            try {
              value = predicate(event.object);
            } catch {
              value = undefined;
            }
            if (value === undefined) seen.delete(key);
            else if (seen.get(key) === value) return;
            else seen.set(key, value);
          }
          subscriber.next(event);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
