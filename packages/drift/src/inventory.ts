import { inventoryId, type KubeObject, type ObjectRef, objectRef } from '@weft/reconcile-core';
import { InvalidSetError } from './errors.js';

/** One applied object as Flux's `status.inventory.entries[]` holds it: `id` is `<namespace>_<name>_<group>_<kind>`, `v` the version. */
export interface InventoryEntry {
  readonly id: string;
  readonly v: string;
}

/**
 * What a set applied, stored in its owner's status (Flux: `status.inventory`), so that the next
 * apply can prune what left git and nothing else.
 */
export interface Inventory {
  readonly entries: readonly InventoryEntry[];
}

/**
 * The inventory of a set of objects, sorted by id (as Flux sorts it).
 *
 * @remarks An object given twice appears once. Accepts objects or refs.
 *
 * @example
 * ```ts
 * import { inventoryOf } from '@weft/drift';
 *
 * inventoryOf([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } }]);
 * // { entries: [{ id: 'prod_web_apps_Deployment', v: 'v1' }] }
 * ```
 */
export function inventoryOf(objects: readonly (KubeObject | ObjectRef)[]): Inventory {
  const byId = new Map<string, InventoryEntry>();
  for (const item of objects) {
    const ref = 'metadata' in item ? objectRef(item as KubeObject) : (item as ObjectRef);
    const id = inventoryId(ref);
    byId.set(id, { id, v: ref.version });
  }
  return { entries: [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}

/**
 * The {@link ObjectRef} an inventory entry names.
 *
 * @remarks Names and namespaces cannot hold `_`, so splitting on it is exact; a group may be empty (core).
 * @throws {@link InvalidSetError} when the id does not have four `_`-separated parts.
 * @example
 * ```ts
 * import { inventoryEntryRef } from '@weft/drift';
 *
 * inventoryEntryRef({ id: 'prod_web_apps_Deployment', v: 'v1' });
 * // { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'prod', name: 'web' }
 * ```
 */
export function inventoryEntryRef(entry: InventoryEntry): ObjectRef {
  const parts = entry.id.split('_');
  if (parts.length !== 4) throw new InvalidSetError(`inventory entry "${entry.id}" is not <namespace>_<name>_<group>_<kind>`);
  const [namespace, name, group, kind] = parts as [string, string, string, string];
  if (!name || !kind) throw new InvalidSetError(`inventory entry "${entry.id}" has no name or kind`);
  return namespace ? { group, version: entry.v, kind, namespace, name } : { group, version: entry.v, kind, name };
}

/**
 * The objects in `previous` that `current` no longer holds: what left git, to prune.
 *
 * @throws {@link InvalidSetError} when an entry of `previous` is not a valid inventory id.
 * @remarks Compared by id (group, kind, namespace, name), not version: a version bump is the same object.
 * Returned in reverse apply order (custom resources before their CRDs, namespaces last), by id within each.
 * @example
 * ```ts
 * import { inventoryOf, staleObjects } from '@weft/drift';
 *
 * staleObjects(lastInventory, inventoryOf(objects)); // ObjectRef[] to delete
 * ```
 */
export function staleObjects(previous: Inventory | undefined, current: Inventory): ObjectRef[] {
  if (!previous) return [];
  const keep = new Set(current.entries.map((entry) => entry.id));
  const stale = previous.entries.filter((entry) => !keep.has(entry.id)).map(inventoryEntryRef);
  return stale.sort((a, b) => pruneRank(a) - pruneRank(b) || (inventoryId(a) < inventoryId(b) ? -1 : inventoryId(a) > inventoryId(b) ? 1 : 0));
}

function pruneRank(ref: ObjectRef): number {
  if (ref.kind === 'Namespace' && ref.group === '') return 2;
  if (ref.kind === 'CustomResourceDefinition' && ref.group === 'apiextensions.k8s.io') return 1;
  return 0;
}

/** The `apiVersion` of an inventory entry's object (internal). */
export function inventoryApiVersion(ref: Pick<ObjectRef, 'group' | 'version'>): string {
  return ref.group ? `${ref.group}/${ref.version}` : ref.version;
}
