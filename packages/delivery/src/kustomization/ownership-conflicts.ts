import { type ApplySetResult, describeOwner, inventoryEntryRef, type Inventory, type SetOwner } from '@weft/drift';
import { describeObject, inventoryId, isNotFoundError, type KubeClient, type ObjectRef, type Store } from '@weft/reconcile-core';
import { type Kustomization, KustomizationKind, type OwnershipConflictEntry } from './kustomization.js';

/** The owner a Kustomization applies as: its own name and namespace (written as ownership labels). */
export function ownerOfKustomization(kustomization: Kustomization): SetOwner {
  return { name: kustomization.metadata.name, namespace: kustomization.metadata.namespace ?? 'default' };
}

const holds = (inventory: Inventory | undefined, id: string): boolean => inventory?.entries.some((entry) => entry.id === id) ?? false;

/**
 * Whether the Kustomization a live object's labels name still holds it (has it in its inventory):
 * when it does, the object is another's and is left alone; when it does not (deleted, or it gave
 * the object up), the object is adopted.
 */
export async function claimStands(claimant: SetOwner, ref: ObjectRef, store: Store<Kustomization>, client: KubeClient, signal: AbortSignal): Promise<boolean> {
  let other = store.get(claimant);
  if (!other) {
    try {
      other = await client.get(KustomizationKind, claimant.name, { namespace: claimant.namespace, signal });
    } catch (error) {
      if (isNotFoundError(error)) return false;
      throw error;
    }
  }
  return holds(other.status?.inventory, inventoryId(ref));
}

/** Other Kustomizations that declare an object this one holds (their conflicts name it as the owner). */
function declaredByOthers(kustomization: Kustomization, store: Store<Kustomization>): Map<string, string[]> {
  const me = describeOwner(ownerOfKustomization(kustomization));
  const byId = new Map<string, string[]>();
  for (const other of store.list()) {
    if (describeOwner(ownerOfKustomization(other)) === me) continue;
    for (const entry of other.status?.conflicts ?? []) {
      if (entry.owner || entry.kustomization !== me) continue;
      byId.set(entry.id, [...(byId.get(entry.id) ?? []), describeOwner(ownerOfKustomization(other))]);
    }
  }
  return byId;
}

/** Why prune must leave an object that left this Kustomization alone: another one declares it and will take it over. */
export function keptForAnother(kustomization: Kustomization, store: Store<Kustomization>): (ref: ObjectRef) => string | undefined {
  return (ref) => {
    const others = declaredByOthers(kustomization, store).get(inventoryId(ref));
    return others ? `declared by Kustomization ${others.join(', ')}, which takes it over` : undefined;
  };
}

/**
 * This Kustomization's conflicts after a reconcile: objects it could not apply because another one
 * holds them (from the apply), and objects it holds that another one declares (from the others'
 * status in the store).
 */
export function conflictsOf(kustomization: Kustomization, applied: ApplySetResult | undefined, inventory: Inventory | undefined, store: Store<Kustomization>): OwnershipConflictEntry[] {
  const lost: OwnershipConflictEntry[] = applied
    ? applied.conflicts.map((conflict) => ({ id: inventoryId(conflict.ref), v: conflict.ref.version, kustomization: describeOwner(conflict.owner), owner: false }))
    : (kustomization.status?.conflicts ?? []).filter((entry) => !entry.owner);
  const held: OwnershipConflictEntry[] = [];
  for (const [id, others] of declaredByOthers(kustomization, store)) {
    const entry = inventory?.entries.find((item) => item.id === id);
    if (entry) for (const other of others) held.push({ id, v: entry.v, kustomization: other, owner: true });
  }
  return [...lost, ...held].sort((a, b) => a.id.localeCompare(b.id) || a.kustomization.localeCompare(b.kustomization));
}

/** The `Ready=False` message of a Kustomization with conflicts. */
export function describeConflicts(conflicts: readonly OwnershipConflictEntry[]): string {
  const lines = conflicts.map((entry) => {
    const subject = describeObject(inventoryEntryRef(entry));
    return entry.owner ? `${subject} is also declared by Kustomization ${entry.kustomization}` : `${subject} is owned by Kustomization ${entry.kustomization} (its ownership labels), left to it`;
  });
  return `ownership conflict: ${lines.join('; ')}`;
}

/** The keys of the Kustomizations a conflict ties to `kustomization`, both ways. */
export function conflictPartners(kustomization: Kustomization, store: Store<Kustomization>): { namespace: string; name: string }[] {
  const me = describeOwner(ownerOfKustomization(kustomization));
  const partners = new Set((kustomization.status?.conflicts ?? []).map((entry) => entry.kustomization));
  for (const other of store.list()) if ((other.status?.conflicts ?? []).some((entry) => entry.kustomization === me)) partners.add(describeOwner(ownerOfKustomization(other)));
  return [...partners].map((key) => {
    const [namespace, name] = key.split('/') as [string, string];
    return { namespace, name };
  });
}
