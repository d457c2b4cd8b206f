import type { KubeClient, KubeObject } from '@weft/reconcile-core';
import { SuspendedError, UnsupportedOperationError, subjectOf } from './errors.js';
import { type ObjectName, type OperableKind, declaresField, isSuspended } from './object-status.js';

/**
 * The annotations that ask a controller to reconcile an object now: Weft's own, and Flux's alias,
 * which Weft's controllers read too (so `flux reconcile` habits and scripts keep working).
 *
 * @example
 * ```ts
 * import { reconcileRequestAnnotations } from '@weft/delivery';
 *
 * kustomization.metadata.annotations?.[reconcileRequestAnnotations.weft]; // '2025-01-01T00:00:00.000Z'
 * ```
 */
export const reconcileRequestAnnotations = {
  /** `reconcile.weft.dev/requestedAt`. */
  weft: 'reconcile.weft.dev/requestedAt',
  /** Flux's `reconcile.fluxcd.io/requestedAt`. */
  flux: 'reconcile.fluxcd.io/requestedAt',
} as const;

/** Options of {@link requestReconcile}. */
export interface RequestReconcileOptions {
  /** The time written into the request; default now. */
  readonly now?: Date;
  /** Aborts the requests to the apiserver. */
  readonly signal?: AbortSignal;
}

/** What {@link requestReconcile} returns. */
export interface RequestedReconcile {
  /** The value written into both annotations: wait for `status.lastHandledReconcileAt` to equal it. */
  readonly requestedAt: string;
  /** The object after the annotation was written. */
  readonly object: KubeObject;
}

/**
 * Asks an object's controller to reconcile it now: writes the time into
 * `reconcile.weft.dev/requestedAt` and Flux's `reconcile.fluxcd.io/requestedAt` (one merge patch).
 *
 * @remarks
 * Guarantees: nothing else of the object changes; the returned `requestedAt` is what the
 * controller copies into `status.lastHandledReconcileAt` once it has reconciled, which
 * {@link waitForReconcile} waits for. Works for every kind whose status has
 * `lastHandledReconcileAt` (GitRepository, Kustomization, the image automation kinds).
 * @throws {@link UnsupportedOperationError} when the kind's status has no `lastHandledReconcileAt`.
 * @throws {@link SuspendedError} when the object is suspended (`spec.suspend: true`).
 * @throws reconcile-core's `NotFoundError` when the object does not exist, other `KubeApiError`s.
 * @example
 * ```ts
 * import { KustomizationKind, requestReconcile, waitForReconcile } from '@weft/delivery';
 *
 * const { requestedAt } = await requestReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' });
 * const result = await waitForReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' }, { requestedAt });
 * ```
 */
export async function requestReconcile(client: KubeClient, kind: OperableKind, ref: ObjectName, options: RequestReconcileOptions = {}): Promise<RequestedReconcile> {
  const subject = subjectOf(kind, ref);
  if (!declaresField(kind, ['status', 'lastHandledReconcileAt'])) {
    throw new UnsupportedOperationError(subject, `${kind.kind} does not take reconcile requests (its status has no lastHandledReconcileAt)`);
  }
  const current = await client.get(kind, ref.name, { namespace: ref.namespace, signal: options.signal });
  if (isSuspended(current)) throw new SuspendedError(subject, `${subject} is suspended: resume it to reconcile it`);
  const requestedAt = (options.now ?? new Date()).toISOString();
  const object = await client.patch(kind, ref.name, { metadata: { annotations: { [reconcileRequestAnnotations.weft]: requestedAt, [reconcileRequestAnnotations.flux]: requestedAt } } }, { namespace: ref.namespace, signal: options.signal });
  return { requestedAt, object };
}
