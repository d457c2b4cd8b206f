import { KustomizationFileError } from './errors.js';
import type { Gvk, ResId, Resource } from './resource.js';

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

/** A kustomization's `sortOptions`, as decoded. */
export interface SortOptions {
  order?: string;
  legacySortOptions?: { orderFirst?: string[]; orderLast?: string[] };
}

/**
 * The order a build ends in: a kustomization's `sortOptions` win over the `reorder` option, as in
 * kustomize (whose `--reorder` flag only applies when the top kustomization has none).
 *
 * @throws KustomizationFileError for an order other than `fifo` or `legacy`, and for
 * `legacySortOptions` with `fifo`, in kustomize's words.
 */
export function chooseOrder(sortOptions: SortOptions | undefined, reorder: 'legacy' | 'none' | undefined, file: string): { order: 'legacy' | 'none'; orderFirst: readonly string[]; orderLast: readonly string[] } {
  if (sortOptions === undefined) return { order: reorder ?? 'legacy', orderFirst: legacyOrderFirst, orderLast: legacyOrderLast };
  if (sortOptions.order !== 'fifo' && sortOptions.order !== 'legacy') {
    throw new KustomizationFileError(`the field 'sortOptions.order' must be one of [fifo, legacy] (in ${file})`, { file });
  }
  if (sortOptions.order === 'fifo') {
    if (sortOptions.legacySortOptions !== undefined) {
      throw new KustomizationFileError(`the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy' (in ${file})`, { file });
    }
    return { order: 'none', orderFirst: [], orderLast: [] };
  }
  const legacy = sortOptions.legacySortOptions;
  if (legacy === undefined) return { order: 'legacy', orderFirst: legacyOrderFirst, orderLast: legacyOrderLast };
  return { order: 'legacy', orderFirst: legacy.orderFirst ?? [], orderLast: legacy.orderLast ?? [] };
}

/** kustomize's legacyGVKSortString: `group_version_kind`, with `~G`/`~V`/`~K` for empty parts. */
function gvkSortString(gvk: Gvk): string {
  return `${gvk.group || '~G'}_${gvk.version || '~V'}_${gvk.kind || '~K'}`;
}

/** kustomize's legacyResIDSortString: `Kind.version.group|namespace|name`, `~X`/`~N` for empty parts. */
function idSortString(id: ResId): string {
  return `${id.namespace || '~X'}|${id.name || '~N'}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts objects in kustomize's legacy order: by the rank of their kind (`orderFirst` kinds first,
 * `orderLast` kinds last, a kind in both counting as last), then by `group_version_kind` (a core
 * Namespace before other Namespace kinds), then by `namespace|name`, compared as strings exactly as
 * kustomize's SortOrderTransformer does.
 */
export function sortLegacy(resources: readonly Resource[], orderFirst: readonly string[] = legacyOrderFirst, orderLast: readonly string[] = legacyOrderLast): Resource[] {
  const ranks = new Map<string, number>();
  orderFirst.forEach((kind, index) => ranks.set(kind, index - orderFirst.length));
  orderLast.forEach((kind, index) => ranks.set(kind, index + 1));
  return resources
    .map((resource) => {
      const id = resource.currentId();
      return { resource, id, rank: ranks.get(id.kind) ?? 0, gvk: gvkSortString(id), key: idSortString(id) };
    })
    .sort((a, b) => {
      if (a.gvk !== b.gvk) {
        if (a.rank !== b.rank) return a.rank - b.rank;
        const bothNamespaces = a.id.kind === 'Namespace' && b.id.kind === 'Namespace' && (a.id.group === '' || b.id.group === '');
        return bothNamespaces ? compareStrings(b.gvk, a.gvk) : compareStrings(a.gvk, b.gvk);
      }
      return compareStrings(a.key, b.key);
    })
    .map((entry) => entry.resource);
}
