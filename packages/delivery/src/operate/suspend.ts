import type { KubeClient, KubeObject } from '@weft/reconcile-core';
import { UnsupportedOperationError, subjectOf } from './errors.js';
import { type ObjectName, type OperableKind, declaresField } from './object-status.js';
import { type RequestedReconcile, reconcileRequestAnnotations } from './request-reconcile.js';

/** Options of {@link suspendResource} and {@link resumeResource}. */
export interface SuspendOptions {
  /** The time written into the reconcile request of a resume; default now. */
  readonly now?: Date;
  /** Aborts the request to the apiserver. */
  readonly signal?: AbortSignal;
}

/**
 * Suspends an object: `spec.suspend: true`, so its controller skips it (no fetch, no apply, no
 * drift correction) until it is resumed, as `flux suspend` does.
 *
 * @remarks Idempotent. Nothing else of the object changes (one merge patch).
 * @throws {@link UnsupportedOperationError} when the kind's spec has no `suspend`.
 * @throws reconcile-core's `NotFoundError`, other `KubeApiError`s.
 * @example
 * ```ts
 * import { KustomizationKind, suspendResource } from '@weft/delivery';
 *
 * await suspendResource(client, KustomizationKind, { namespace: 'apps', name: 'shop' });
 * ```
 */
export async function suspendResource(client: KubeClient, kind: OperableKind, ref: ObjectName, options: SuspendOptions = {}): Promise<KubeObject> {
  checkSuspendable(kind, ref);
  return client.patch(kind, ref.name, { spec: { suspend: true } }, { namespace: ref.namespace, signal: options.signal });
}

/**
 * Resumes a suspended object and asks for a reconcile in the same write (`spec.suspend: false` and
 * the reconcile request annotations), as `flux resume` does.
 *
 * @remarks Returns the request: pass its `requestedAt` to {@link waitForReconcile} to wait for the
 * reconcile the resume starts. For a kind without reconcile requests (a `Canary`), only `spec.suspend`
 * is written and `requestedAt` is empty.
 * @throws {@link UnsupportedOperationError} when the kind's spec has no `suspend`.
 * @throws reconcile-core's `NotFoundError`, other `KubeApiError`s.
 * @example
 * ```ts
 * import { KustomizationKind, resumeResource, waitForReconcile } from '@weft/delivery';
 *
 * const { requestedAt } = await resumeResource(client, KustomizationKind, ref);
 * await waitForReconcile(client, KustomizationKind, ref, { requestedAt });
 * ```
 */
export async function resumeResource(client: KubeClient, kind: OperableKind, ref: ObjectName, options: SuspendOptions = {}): Promise<RequestedReconcile> {
  checkSuspendable(kind, ref);
  const requestable = declaresField(kind, ['status', 'lastHandledReconcileAt']);
  const requestedAt = requestable ? (options.now ?? new Date()).toISOString() : '';
  const annotations = requestable ? { metadata: { annotations: { [reconcileRequestAnnotations.weft]: requestedAt, [reconcileRequestAnnotations.flux]: requestedAt } } } : {};
  const object = await client.patch(kind, ref.name, { ...annotations, spec: { suspend: false } }, { namespace: ref.namespace, signal: options.signal });
  return { requestedAt, object };
}

function checkSuspendable(kind: OperableKind, ref: ObjectName): void {
  if (!declaresField(kind, ['spec', 'suspend'])) throw new UnsupportedOperationError(subjectOf(kind, ref), `${kind.kind} cannot be suspended (its spec has no suspend field)`);
}
