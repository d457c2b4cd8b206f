import { parseApiVersion, type ObjectRef } from '../resource/objects.js';

/** One cause in a `metav1.Status`: which field failed and why. */
export interface StatusCause {
  /** Machine-readable cause (`FieldValueRequired`, `FieldValueInvalid`, `FieldManagerConflict`, …). */
  readonly reason?: string;
  readonly message?: string;
  /** The field path the cause concerns (`spec.replicas`, `.data.key`). */
  readonly field?: string;
}

/**
 * The `metav1.Status` the apiserver returns with a failed request (and with some deletes),
 * kept as sent on every {@link KubeApiError}.
 */
export interface KubeStatus {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly status?: 'Success' | 'Failure' | string;
  readonly message?: string;
  /** `NotFound`, `AlreadyExists`, `Conflict`, `Invalid`, `Expired`, … (metav1.StatusReason). */
  readonly reason?: string;
  readonly code?: number;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly uid?: string;
    readonly causes?: readonly StatusCause[];
    readonly retryAfterSeconds?: number;
  };
}

/**
 * What a request was about: a kind, and when known the namespace and name of one object.
 * Errors name it as `Kind/namespace/name` (or `Kind/namespace` for a collection).
 */
export interface ApiTarget {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Builds an {@link ApiTarget} from an apiVersion, kind and optional namespace and name. */
export function apiTarget(apiVersion: string, kind: string, where: { namespace?: string | undefined; name?: string | undefined } = {}): ApiTarget {
  const { group, version } = parseApiVersion(apiVersion);
  return {
    group,
    version,
    kind,
    ...(where.namespace ? { namespace: where.namespace } : {}),
    ...(where.name !== undefined ? { name: where.name } : {}),
  };
}

/**
 * How messages name a target: `Kind/namespace/name`, `Kind/name`, `Kind/namespace` or `Kind`.
 *
 * @remarks The same form as `describeObject`, extended to collections.
 * @example
 * ```ts
 * import { describeTarget } from '@weft/reconcile-core';
 * describeTarget({ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'prod' }); // 'ConfigMap/prod'
 * ```
 */
export function describeTarget(target: ApiTarget): string {
  return [target.kind, target.namespace, target.name].filter((part) => part !== undefined && part !== '').join('/');
}

/** The {@link ObjectRef} of a target that names one object, else `undefined`. */
export function targetObjectRef(target: ApiTarget): ObjectRef | undefined {
  if (target.name === undefined) return undefined;
  const { group, version, kind, namespace, name } = target;
  return namespace ? { group, version, kind, namespace, name } : { group, version, kind, name };
}

/** Whether a parsed response body is a `metav1.Status`. */
export function isKubeStatus(body: unknown): body is KubeStatus {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}
