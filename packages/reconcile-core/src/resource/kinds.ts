import type {
  CoreV1Event,
  V1ConfigMap,
  V1CustomResourceDefinition,
  V1DaemonSet,
  V1Deployment,
  V1Job,
  V1Lease,
  V1Namespace,
  V1PersistentVolumeClaim,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1Service,
  V1ServiceAccount,
  V1StatefulSet,
} from '@kubernetes/client-node';
import type { KubeObject } from './objects.js';

/**
 * A kind of Kubernetes resource, as controllers, watches and the client take it:
 * enough to build its REST paths without discovery. `T` is the object type it carries.
 *
 * @remarks
 * Built-in kinds are exported below (`ConfigMapKind`, `DeploymentKind`, …);
 * `defineResource` returns a `ResourceKind` for a custom resource.
 */
export interface ResourceKind<T extends KubeObject = KubeObject> {
  /** `group/version`, or `version` for the core group (`v1`, `apps/v1`). */
  readonly apiVersion: string;
  readonly kind: string;
  /** The lower-case plural used in REST paths (`deployments`). */
  readonly plural: string;
  readonly namespaced: boolean;
  /** Type-only marker: never set at run time. */
  readonly __object?: T;
}

/** The object type a {@link ResourceKind} carries. */
export type ObjectOf<K> = K extends ResourceKind<infer T> ? T : never;

/**
 * Declares a {@link ResourceKind}.
 *
 * @example
 * ```ts
 * import { resourceKind } from '@weft/reconcile-core';
 * const WidgetKind = resourceKind<Widget>({ apiVersion: 'example.com/v1', kind: 'Widget', plural: 'widgets', namespaced: true });
 * ```
 */
export function resourceKind<T extends KubeObject>(kind: Omit<ResourceKind<T>, '__object'>): ResourceKind<T> {
  return Object.freeze({ ...kind });
}

/** Core `v1` ConfigMap. */
export const ConfigMapKind = resourceKind<V1ConfigMap & KubeObject>({ apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true });
/** Core `v1` Secret. */
export const SecretKind = resourceKind<V1Secret & KubeObject>({ apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true });
/** Core `v1` Service. */
export const ServiceKind = resourceKind<V1Service & KubeObject>({ apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true });
/** Core `v1` ServiceAccount. */
export const ServiceAccountKind = resourceKind<V1ServiceAccount & KubeObject>({ apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true });
/** Core `v1` Pod. */
export const PodKind = resourceKind<V1Pod & KubeObject>({ apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true });
/** Core `v1` PersistentVolumeClaim. */
export const PersistentVolumeClaimKind = resourceKind<V1PersistentVolumeClaim & KubeObject>({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true });
/** Core `v1` Namespace (cluster-scoped). */
export const NamespaceKind = resourceKind<V1Namespace & KubeObject>({ apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false });
/** Core `v1` Event (the legacy events API). */
export const CoreEventKind = resourceKind<CoreV1Event & KubeObject>({ apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true });
/** `apps/v1` Deployment. */
export const DeploymentKind = resourceKind<V1Deployment & KubeObject>({ apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true });
/** `apps/v1` ReplicaSet. */
export const ReplicaSetKind = resourceKind<V1ReplicaSet & KubeObject>({ apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true });
/** `apps/v1` StatefulSet. */
export const StatefulSetKind = resourceKind<V1StatefulSet & KubeObject>({ apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true });
/** `apps/v1` DaemonSet. */
export const DaemonSetKind = resourceKind<V1DaemonSet & KubeObject>({ apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true });
/** `batch/v1` Job. */
export const JobKind = resourceKind<V1Job & KubeObject>({ apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', namespaced: true });
/** `coordination.k8s.io/v1` Lease, used by leader election. */
export const LeaseKind = resourceKind<V1Lease & KubeObject>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true });
/** `apiextensions.k8s.io/v1` CustomResourceDefinition (cluster-scoped). */
export const CustomResourceDefinitionKind = resourceKind<V1CustomResourceDefinition & KubeObject>({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false });

/**
 * The REST path of a collection or of one object of a kind.
 *
 * @example
 * ```ts
 * import { resourcePath, NamespaceKind, DeploymentKind } from '@weft/reconcile-core';
 * resourcePath(DeploymentKind, { namespace: 'prod', name: 'web' }); // '/apis/apps/v1/namespaces/prod/deployments/web'
 * resourcePath(NamespaceKind, {});                                   // '/api/v1/namespaces'
 * ```
 */
export function resourcePath(kind: Pick<ResourceKind, 'apiVersion' | 'plural' | 'namespaced'>, where: { namespace?: string; name?: string }): string {
  const prefix = kind.apiVersion.includes('/') ? `/apis/${kind.apiVersion}` : `/api/${kind.apiVersion}`;
  const scope = kind.namespaced && where.namespace ? `/namespaces/${encodeURIComponent(where.namespace)}` : '';
  const name = where.name === undefined ? '' : `/${encodeURIComponent(where.name)}`;
  return `${prefix}${scope}/${kind.plural}${name}`;
}
