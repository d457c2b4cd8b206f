import { Observable, type OperatorFunction } from 'rxjs';
import type { ResourceKind } from '../resource/kinds.js';
import { type KubeObject, objectKey, parseApiVersion } from '../resource/objects.js';
import type { WatchEvent } from './watch.js';

/**
 * Which object of the controller's primary kind to reconcile: its namespace (absent for
 * cluster-scoped kinds) and name, as controller-runtime's `reconcile.Request`.
 *
 * @remarks Carries no object: the reconcile reads the newest state from the cache when it runs.
 *
 * @example
 * ```ts
 * import { type ReconcileRequest } from '@weft/reconcile-core';
 * const request: ReconcileRequest = { namespace: 'prod', name: 'web' };
 * ```
 */
export interface ReconcileRequest {
  readonly namespace?: string;
  readonly name: string;
}

/**
 * The queue key of a request: `namespace/name`, or `name`.
 *
 * @remarks The key under which the scheduler and runner deduplicate.
 *
 * @example
 * ```ts
 * import { requestKey } from '@weft/reconcile-core';
 * requestKey({ namespace: 'prod', name: 'web' }); // 'prod/web'
 * ```
 */
export function requestKey(request: ReconcileRequest): string {
  return objectKey(request);
}

function objectsOf<T>(event: WatchEvent<T>): T[] {
  return event.type === 'InitApply' || event.type === 'Apply' || event.type === 'Delete' ? [event.object] : [];
}

/** Like `mergeMap` to arrays, without an inner subscription per event (triggers see every event of a cold start). */
function expandEach<T, R>(expand: (event: WatchEvent<T>) => readonly R[]): OperatorFunction<WatchEvent<T>, R> {
  return (source) =>
    new Observable<R>((subscriber) =>
      source.subscribe({
        next(event) {
          for (const request of expand(event)) subscriber.next(request);
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

function requestOf(object: Pick<KubeObject, 'metadata'>): ReconcileRequest {
  const { namespace, name } = object.metadata;
  return namespace ? { namespace, name } : { name };
}

/**
 * An operator mapping each object a watch emits (`InitApply`, `Apply`, `Delete`) to a request
 * for the object itself: the trigger of a controller's primary kind.
 *
 * @remarks `Init`, `InitDone` and `Error` produce nothing.
 *
 * @example
 * ```ts
 * import { watch, type ReconcileRequest, triggerSelf } from '@weft/reconcile-core';
 * watch(WebAppKind, { transport: kubeConfig }).pipe(triggerSelf()); // Observable<ReconcileRequest>
 * ```
 */
export function triggerSelf<T extends Pick<KubeObject, 'metadata'>>(): OperatorFunction<WatchEvent<T>, ReconcileRequest> {
  // One request per event and no array in between: this sees every object of a cold start.
  return (source) =>
    new Observable<ReconcileRequest>((subscriber) =>
      source.subscribe({
        next(event) {
          if (event.type === 'InitApply' || event.type === 'Apply' || event.type === 'Delete') subscriber.next(requestOf(event.object));
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}

/**
 * Options of {@link triggerOwners}.
 *
 * @remarks See {@link triggerOwners}.
 *
 * @example
 * ```ts
 * import { triggerOwners } from '@weft/reconcile-core';
 * triggerOwners(WebAppKind, { controllerOnly: false });
 * ```
 */
export interface TriggerOwnersOptions {
  /**
   * Follow only the owner reference with `controller: true`, as controller-runtime's `Owns()`.
   * When false, every owner reference of the owner kind triggers. @defaultValue true
   */
  readonly controllerOnly?: boolean;
}

/**
 * An operator mapping each child object to requests for its owners of `ownerKind`, through
 * `metadata.ownerReferences`: the trigger behind `controller(Kind).owns(Child)`.
 *
 * @remarks
 * An owner reference matches when its `kind` and API group equal the owner kind's (any version).
 * The owner is looked up in the child's namespace, or cluster-wide when the owner kind is
 * cluster-scoped, since Kubernetes forbids owners in other namespaces.
 *
 * @example
 * ```ts
 * import { watch, triggerOwners, DeploymentKind } from '@weft/reconcile-core';
 * watch(DeploymentKind, { transport: kubeConfig }).pipe(triggerOwners(WebAppKind));
 * ```
 */
export function triggerOwners<T extends Pick<KubeObject, 'metadata'>>(
  ownerKind: Pick<ResourceKind, 'apiVersion' | 'kind' | 'namespaced'>,
  options: TriggerOwnersOptions = {},
): OperatorFunction<WatchEvent<T>, ReconcileRequest> {
  const group = parseApiVersion(ownerKind.apiVersion).group;
  const controllerOnly = options.controllerOnly ?? true;
  return expandEach((event) =>
    objectsOf(event).flatMap((child) =>
      (child.metadata.ownerReferences ?? [])
        .filter((owner) => owner.kind === ownerKind.kind && parseApiVersion(owner.apiVersion).group === group && (!controllerOnly || owner.controller === true))
        .map((owner): ReconcileRequest => (ownerKind.namespaced && child.metadata.namespace ? { namespace: child.metadata.namespace, name: owner.name } : { name: owner.name })),
    ),
  );
}

/**
 * An operator mapping each object of another kind to the requests `map` returns: the trigger
 * behind `controller(Kind).watches(Other, map)` (a ConfigMap to the apps that mount it).
 *
 * @remarks A `map` that throws drops that one event (reported to `onError`), never the stream.
 *
 * @example
 * ```ts
 * import { watch, triggerWith, ConfigMapKind } from '@weft/reconcile-core';
 * watch(ConfigMapKind, { transport: kubeConfig }).pipe(
 *   triggerWith((cm) => store.byIndex('configMap', cm.metadata.name).map((app) => ({ namespace: app.metadata.namespace, name: app.metadata.name }))),
 * );
 * ```
 */
export function triggerWith<T>(
  map: (object: T) => Iterable<ReconcileRequest>,
  onError?: (error: unknown, object: T) => void,
): OperatorFunction<WatchEvent<T>, ReconcileRequest> {
  return expandEach((event) =>
    objectsOf(event).flatMap((object) => {
      try {
        return [...map(object)];
      } catch (error) {
        onError?.(error, object);
        return [];
      }
    }),
  );
}
