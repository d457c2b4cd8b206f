import type { Controller, KubeObject, KubeTransport, Manager, ResourceKind, Store, WatchEvent } from '@weft/reconcile-core';
import { createStore, exponentialBackoff, isNotFoundError, reflect, watch } from '@weft/reconcile-core';
import { tap, type Subscription } from 'rxjs';

/**
 * Where the view reads the objects of one kind: a running Manager's cache, or a watch of its own.
 * Either way one cache per process, whatever the number of browser tabs.
 */
export interface KindSource<T> {
  /** Every object, in no particular order (empty before the first list). */
  list(): readonly T[];
  /** The object `namespace/name` (or `name`, cluster-scoped), if cached. */
  get(key: string): T | undefined;
  /** Whether the cluster serves the kind (false while it answers 404, before its CRD is installed). */
  readonly served: boolean;
  close(): void;
}

/**
 * The cache of a Manager's controller of `kind`: read, never written. The controller's store
 * exists once it runs (a standby replica's has none: the view is then empty until it leads).
 */
export function managerStoreSource<T extends KubeObject>(controller: Controller<T>): KindSource<T> {
  return {
    list: () => (controller.store as Store<T> | undefined)?.list() ?? [],
    get: (key) => (controller.store as Store<T> | undefined)?.get(key),
    served: true,
    close: () => undefined,
  };
}

/** The first controller of `kind` among the managers' controllers, if any. */
export function findController<T extends KubeObject>(managers: readonly Manager[], kind: ResourceKind<T>): Controller<T> | undefined {
  for (const manager of managers) {
    const found = manager.controllerList.find((candidate) => candidate.kind.apiVersion === kind.apiVersion && candidate.kind.kind === kind.kind);
    if (found) return found as Controller<T>;
  }
  return undefined;
}

/** Retries of the view's own watches: a kind not served yet (its CRD comes later) is seen within 5 s of being installed. */
const viewBackoff = exponentialBackoff({ initialMs: 500, maxMs: 5_000 });

/**
 * A watch of the view's own (list, then watch; relists on 410), for a kind no Manager of the
 * process reconciles. `transform` runs on every object before it is cached: what it drops is
 * never held.
 */
export function watchedSource<T extends KubeObject, C extends Pick<KubeObject, 'metadata'> = T>(
  kind: ResourceKind<T>,
  options: { transport: KubeTransport; namespace?: string | undefined; labelSelector?: string; transform?: (object: KubeObject) => C; onChange: () => void },
): KindSource<C> {
  const { store, writer } = createStore<C>();
  let served = true;
  const subscription: Subscription = watch<ResourceKind<T>, C>(kind, {
    transport: options.transport,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    ...(options.labelSelector !== undefined ? { labelSelector: options.labelSelector } : {}),
    ...(options.transform ? { transform: options.transform } : {}),
    backoff: viewBackoff,
  })
    .pipe(
      reflect(writer),
      tap((event: WatchEvent<C>) => {
        if (event.type === 'Error') {
          const notServed = isNotFoundError(event.error);
          if (notServed !== !served) {
            served = !notServed;
            options.onChange();
          }
          return;
        }
        served = true;
        // The objects of a relist become visible at its InitDone.
        if (event.type !== 'Init' && event.type !== 'InitApply') options.onChange();
      }),
    )
    .subscribe();
  return {
    list: () => store.list(),
    get: (key) => store.get(key),
    get served() {
      return served;
    },
    close: () => subscription.unsubscribe(),
  };
}
