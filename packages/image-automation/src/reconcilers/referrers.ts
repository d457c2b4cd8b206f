import type { KubeObject, ReconcileRequest, Store } from '@weft/reconcile-core';

/** The reconcile requests of the cached objects that `refersTo` picks: what a `watches` mapping returns. */
export function referrers<T extends KubeObject>(store: Store<T>, refersTo: (object: T) => boolean): ReconcileRequest[] {
  return store
    .list()
    .filter(refersTo)
    .map((object) => ({ namespace: object.metadata.namespace ?? 'default', name: object.metadata.name ?? '' }));
}
