import { WeftError, type ResourceKind } from '@weft/reconcile-core';

/**
 * The base of the errors the operations in this folder throw (reconcile, suspend, trace, …), so a
 * caller tells them apart from the apiserver's own typed errors, which pass through unchanged.
 *
 * @remarks Each subclass names the object it concerns (`Kind/namespace/name`) and states whether
 * retrying can help (`retryable`).
 * @example
 * ```ts
 * import { OperationError } from '@weft/delivery';
 *
 * await requestReconcile(client, KustomizationKind, { namespace: 'apps', name: 'shop' }).catch((error) => {
 *   if (error instanceof OperationError) console.error(error.message);
 * });
 * ```
 */
export class OperationError extends WeftError {
  override name = 'OperationError';
  constructor(
    /** `Kind/namespace/name` (or `Kind/name`) of the object. */
    readonly subject: string,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options);
  }
}

/**
 * The kind does not take this operation: no `status.lastHandledReconcileAt` in its schema (a
 * reconcile request could never be seen handled), or no `spec.suspend` (it cannot be suspended).
 *
 * @remarks Not retryable: the kind's controller does not work that way (a `Canary` ticks on its
 * own interval; a `MetricTemplate` has no controller).
 * @example
 * ```ts
 * import { UnsupportedOperationError } from '@weft/delivery';
 *
 * await requestReconcile(client, MetricTemplateKind, { namespace: 'apps', name: 'latency' }).catch((error) => { if (error instanceof UnsupportedOperationError) console.error(error.message); });
 * ```
 */
export class UnsupportedOperationError extends OperationError {
  override name = 'UnsupportedOperationError';
}

/**
 * A reconcile was requested of a suspended object: its controller skips it until it is resumed
 * (Flux's `flux reconcile` refuses the same way).
 *
 * @remarks Not retryable as is: resume the object first.
 * @example
 * ```ts
 * import { SuspendedError } from '@weft/delivery';
 *
 * await requestReconcile(client, KustomizationKind, ref).catch((error) => { if (error instanceof SuspendedError) console.error(`${error.subject} is suspended`); });
 * ```
 */
export class SuspendedError extends OperationError {
  override name = 'SuspendedError';
}

/**
 * The object did not handle a reconcile request within the timeout: its
 * `status.lastHandledReconcileAt` never reached the request, or its Ready condition stayed Unknown.
 *
 * @remarks Retryable: the controller may be busy, restarting, or not running at all (the message
 * quotes the object's last Ready message, which usually says which).
 * @example
 * ```ts
 * import { ReconcileRequestTimeoutError } from '@weft/delivery';
 *
 * await waitForReconcile(client, KustomizationKind, ref, { requestedAt, timeout: '1m' }).catch((error) => {
 *   if (error instanceof ReconcileRequestTimeoutError) console.error(error.message);
 * });
 * ```
 */
export class ReconcileRequestTimeoutError extends OperationError {
  override name = 'ReconcileRequestTimeoutError';
  constructor(
    subject: string,
    message: string,
    /** The object as last seen. */
    readonly lastSeen: unknown,
  ) {
    super(subject, message, { retryable: true });
  }
}

/**
 * An object carries no ownership labels (`weft.dev/name` and `weft.dev/namespace`, or Flux's): no
 * Kustomization applied it, so there is nothing to trace.
 *
 * @remarks Not retryable.
 * @example
 * ```ts
 * import { NotManagedError } from '@weft/delivery';
 *
 * await traceObject(client, { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'apps', name: 'hand-made' }).catch((error) => { if (error instanceof NotManagedError) console.error(error.message); });
 * ```
 */
export class NotManagedError extends OperationError {
  override name = 'NotManagedError';
}

/** `Kind/namespace/name` of a reference to an object of a kind. */
export function subjectOf(kind: Pick<ResourceKind, 'kind'>, ref: { readonly namespace?: string | undefined; readonly name: string }): string {
  return ref.namespace ? `${kind.kind}/${ref.namespace}/${ref.name}` : `${kind.kind}/${ref.name}`;
}
