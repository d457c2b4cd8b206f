import type { Resource } from './resource.js';

/** kustomize's legacy order: these kinds first, in this order. */
export const legacyOrderFirst: readonly string[] = [
  'Namespace',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
];

/** kustomize's legacy order: these kinds last, in this order. */
export const legacyOrderLast: readonly string[] = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'];

function comparePart(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  return a < b ? -1 : 1;
}

/**
 * Sorts objects in kustomize's legacy order (stable): kinds in `orderFirst` first, kinds in
 * `orderLast` last, the rest between; ties by group, version, kind, namespace, name (empty parts last).
 */
export function sortLegacy(resources: readonly Resource[], orderFirst: readonly string[] = legacyOrderFirst, orderLast: readonly string[] = legacyOrderLast): Resource[] {
  const rank = (kind: string): number => {
    const first = orderFirst.indexOf(kind);
    if (first >= 0) return first - orderFirst.length;
    const last = orderLast.indexOf(kind);
    if (last >= 0) return last + 1;
    return 0;
  };
  return resources
    .map((resource) => ({ resource, id: resource.currentId(), rank: rank(resource.kind) }))
    .sort((a, b) => {
      if (a.rank !== b.rank) return a.rank - b.rank;
      return (
        comparePart(a.id.group, b.id.group) ||
        comparePart(a.id.version, b.id.version) ||
        comparePart(a.id.kind, b.id.kind) ||
        comparePart(a.id.namespace, b.id.namespace) ||
        comparePart(a.id.name, b.id.name)
      );
    })
    .map((entry) => entry.resource);
}
