import type { KubernetesObject } from '@kubernetes/client-node';

/**
 * A Kubernetes object as Weft passes it between stages: client-node's
 * `KubernetesObject` with `apiVersion`, `kind` and `metadata.name` required.
 */
export interface KubeObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string };
  [field: string]: unknown;
}

/** Identifies one object: group (empty for the core group), version, kind, namespace and name. */
export interface ObjectRef {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Absent (or empty) for cluster-scoped objects. */
  readonly namespace?: string;
  readonly name: string;
}

/** Splits an `apiVersion` (`apps/v1`, `v1`) into group and version. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * The {@link ObjectRef} of an object.
 *
 * @example
 * ```ts
 * import { objectRef } from '@weft/reconcile-core';
 * objectRef({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } });
 * // { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }
 * ```
 */
export function objectRef(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): ObjectRef {
  const { group, version } = parseApiVersion(object.apiVersion);
  const namespace = object.metadata.namespace;
  return namespace ? { group, version, kind: object.kind, namespace, name: object.metadata.name } : { group, version, kind: object.kind, name: object.metadata.name };
}

/**
 * How error messages and logs name an object, as fluxcd/pkg does: `Kind/namespace/name`
 * (or `Kind/name` when cluster-scoped).
 *
 * @example
 * ```ts
 * import { describeObject } from '@weft/reconcile-core';
 * describeObject({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }); // 'Deployment/prod/web'
 * ```
 */
export function describeObject(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/**
 * The inventory id Flux stores for an applied object: `<namespace>_<name>_<group>_<kind>`
 * (empty namespace for cluster-scoped objects, empty group for the core group).
 *
 * @example
 * ```ts
 * import { inventoryId } from '@weft/reconcile-core';
 * inventoryId({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }); // 'prod_web_apps_Deployment'
 * ```
 */
export function inventoryId(ref: ObjectRef): string {
  return `${ref.namespace ?? ''}_${ref.name}_${ref.group}_${ref.kind}`;
}

/** The key a controller queues: `namespace/name`, or `name` for cluster-scoped objects, as client-go's. */
export function objectKey(ref: Pick<ObjectRef, 'namespace' | 'name'>): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}
