import type { KubeClient, CallOptions } from '../client/kube-client.js';
import { isConflictError, isNotFoundError } from '../client/errors.js';
import { WeftError } from '../errors.js';
import type { ResourceKind } from '../resource/kinds.js';
import { describeObject, objectRef, type KubeObject } from '../resource/objects.js';

/** The client verbs the finalizer helpers use (a {@link KubeClient} has them). */
export type FinalizerClient = Pick<KubeClient, 'get' | 'patch'>;

/** Options of {@link addFinalizer} and {@link removeFinalizer}. */
export interface FinalizerOptions<T extends KubeObject> extends CallOptions {
  /** The object's kind, to skip discovery; default: mapped from the object's apiVersion and kind. */
  readonly kind?: ResourceKind<T> | undefined;
  /** Attempts before giving up when other writers keep changing the object. Default 5. */
  readonly maxAttempts?: number | undefined;
  /** Field manager of the patch. Default: the client's (`weft`). */
  readonly fieldManager?: string | undefined;
}

/**
 * Other writers changed the object on every attempt to add or remove a finalizer.
 *
 * @remarks Retryable: try again later (the runner's backoff does).
 * @example
 * ```ts
 * import { requeueAfter, addFinalizer, FinalizerConflictError } from '@weft/reconcile-core';
 * await addFinalizer(client, app, 'weft.dev/cleanup').catch((e) => { if (e instanceof FinalizerConflictError) return requeueAfter('1s'); throw e; });
 * ```
 */
export class FinalizerConflictError extends WeftError {
  override name = 'FinalizerConflictError';
  constructor(
    readonly object: string,
    readonly finalizer: string,
    attempts: number,
    cause: unknown,
  ) {
    super(`${object}: could not update finalizer ${finalizer} after ${attempts} attempts: the object kept changing`, { cause, retryable: true });
  }
}

/**
 * Whether an object lists a finalizer.
 *
 * @remarks Reads the object as given; it may be stale.
 * @example
 * ```ts
 * import { addFinalizer, hasFinalizer } from '@weft/reconcile-core';
 * if (!hasFinalizer(app, 'weft.dev/cleanup')) await addFinalizer(client, app, 'weft.dev/cleanup');
 * ```
 */
export function hasFinalizer(object: Pick<KubeObject, 'metadata'>, finalizer: string): boolean {
  return (object.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * Whether deletion of an object has been requested (`metadata.deletionTimestamp` is set).
 *
 * @remarks Once set, `deletionTimestamp` is never cleared: the object goes away when its last finalizer does.
 * @example
 * ```ts
 * import { isBeingDeleted } from '@weft/reconcile-core';
 * if (isBeingDeleted(app)) return cleanup(app);
 * ```
 */
export function isBeingDeleted(object: Pick<KubeObject, 'metadata'>): boolean {
  return Boolean(object.metadata.deletionTimestamp);
}

/**
 * Adds a finalizer to an object, with optimistic concurrency.
 *
 * @remarks
 * Guarantees: the patch carries the `resourceVersion` it was computed from, so it never overwrites
 * a finalizer list another writer changed meanwhile; on a conflict the object is read again and
 * the patch recomputed (up to `maxAttempts`). Does nothing (no write) when the finalizer is
 * already there. Returns the object as stored afterwards.
 * @throws {@link FinalizerConflictError} when every attempt conflicted; {@link NotFoundError} when the
 * object is gone; other {@link KubeApiError}s; {@link CancelledError} / {@link TimeoutError}.
 * @example
 * ```ts
 * import { addFinalizer } from '@weft/reconcile-core';
 * const app = await addFinalizer(client, fetched, 'weft.dev/cleanup', { signal });
 * ```
 */
export async function addFinalizer<T extends KubeObject>(client: FinalizerClient, object: T, finalizer: string, options: FinalizerOptions<T> = {}): Promise<T> {
  const updated = await updateFinalizers(client, object, finalizer, options, (finalizers) => (finalizers.includes(finalizer) ? undefined : [...finalizers, finalizer]), false);
  return updated!;
}

/**
 * Removes a finalizer from an object, with optimistic concurrency; returns the object as stored
 * afterwards, or `undefined` when it is gone (removing the last finalizer of a deleted object lets
 * the apiserver delete it).
 *
 * @remarks Same guarantees as {@link addFinalizer}; other finalizers are kept. No write when the
 * finalizer is absent. A missing object counts as done.
 * @throws {@link FinalizerConflictError}; other {@link KubeApiError}s; {@link CancelledError} / {@link TimeoutError}.
 * @example
 * ```ts
 * import { removeFinalizer } from '@weft/reconcile-core';
 * await removeFinalizer(client, app, 'weft.dev/cleanup', { signal });
 * ```
 */
export async function removeFinalizer<T extends KubeObject>(client: FinalizerClient, object: T, finalizer: string, options: FinalizerOptions<T> = {}): Promise<T | undefined> {
  return updateFinalizers(client, object, finalizer, options, (finalizers) => (finalizers.includes(finalizer) ? finalizers.filter((name) => name !== finalizer) : undefined), true);
}

async function updateFinalizers<T extends KubeObject>(
  client: FinalizerClient,
  object: T,
  finalizer: string,
  options: FinalizerOptions<T>,
  change: (finalizers: readonly string[]) => string[] | undefined,
  goneIsDone: boolean,
): Promise<T | undefined> {
  const kind = options.kind ?? { apiVersion: object.apiVersion, kind: object.kind };
  const where = { namespace: object.metadata.namespace, signal: options.signal, timeout: options.timeout };
  const maxAttempts = options.maxAttempts ?? 5;
  let current: T = object;
  let lastConflict: unknown;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const next = change(current.metadata.finalizers ?? []);
    if (next === undefined) return current;
    try {
      return await client.patch<T>(kind, current.metadata.name, { metadata: { resourceVersion: current.metadata.resourceVersion, finalizers: next } }, { ...where, fieldManager: options.fieldManager });
    } catch (error) {
      if (goneIsDone && isNotFoundError(error)) return undefined;
      if (!isConflictError(error)) throw error;
      lastConflict = error;
    }
    try {
      current = await client.get<T>(kind, current.metadata.name, where);
    } catch (error) {
      if (goneIsDone && isNotFoundError(error)) return undefined;
      throw error;
    }
  }
  throw new FinalizerConflictError(describeObject(objectRef(object)), finalizer, maxAttempts, lastConflict);
}

/** What {@link reconcileWithFinalizer} did. */
export type FinalizerOutcome<T, R> =
  /** The object is live: the finalizer is in place (added now if `finalizerAdded`) and `apply` ran. */
  | { readonly action: 'apply'; readonly result: R; readonly object: T; readonly finalizerAdded: boolean }
  /** The object is being deleted: `cleanup` ran and the finalizer was removed. `object` is undefined once gone. */
  | { readonly action: 'cleanup'; readonly object: T | undefined }
  /** The object is being deleted but no longer carries the finalizer: nothing ran. */
  | { readonly action: 'none' };

/** Options of {@link reconcileWithFinalizer}. */
export interface ReconcileWithFinalizerOptions<T extends KubeObject, R> extends FinalizerOptions<T> {
  /** The finalizer this controller owns, e.g. `weft.dev/finalizer`. */
  readonly finalizer: string;
  /** Reconciles a live object (after the finalizer is in place). */
  readonly apply: (object: T) => Promise<R>;
  /** Releases what the object held; runs once deletion is requested, before the finalizer is removed. */
  readonly cleanup: (object: T) => Promise<void>;
}

/**
 * Runs a reconcile behind a finalizer, as the controller does for a `Reconciler` with `finalize`:
 * a live object gets the finalizer before `apply` runs; a deleted object runs `cleanup` and then
 * loses the finalizer, so the apiserver can delete it.
 *
 * @remarks
 * Guarantees: `cleanup` only ever runs on an object whose deletion was requested and that still
 * carries the finalizer; the finalizer is removed only after `cleanup` resolved, so a failed or
 * interrupted cleanup is retried on the next reconcile. `apply` never runs on an object being
 * deleted. Finalizer writes use optimistic concurrency ({@link addFinalizer}).
 * @throws whatever `apply` or `cleanup` throws (the finalizer is left as it was); {@link FinalizerConflictError};
 * {@link KubeApiError}s of the finalizer writes.
 * @example
 * ```ts
 * import { reconcileWithFinalizer } from '@weft/reconcile-core';
 * const outcome = await reconcileWithFinalizer(client, app, {
 *   finalizer: 'weft.dev/cleanup', signal,
 *   apply: (live) => reconciler.reconcile(live, ctx),
 *   cleanup: (dying) => reconciler.finalize(dying, ctx),
 * });
 * ```
 */
export async function reconcileWithFinalizer<T extends KubeObject, R>(client: FinalizerClient, object: T, options: ReconcileWithFinalizerOptions<T, R>): Promise<FinalizerOutcome<T, R>> {
  const { finalizer, apply, cleanup, ...finalizerOptions } = options;
  if (isBeingDeleted(object)) {
    if (!hasFinalizer(object, finalizer)) return { action: 'none' };
    await cleanup(object);
    return { action: 'cleanup', object: await removeFinalizer(client, object, finalizer, finalizerOptions) };
  }
  const finalizerAdded = !hasFinalizer(object, finalizer);
  const live = finalizerAdded ? await addFinalizer(client, object, finalizer, finalizerOptions) : object;
  return { action: 'apply', result: await apply(live), object: live, finalizerAdded };
}
