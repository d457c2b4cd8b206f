import { inventoryId, KubeApiError, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { pruneDisabled } from './annotations.js';
import { mapConcurrently } from './bounded-concurrency.js';
import { changeEntry, type ChangeSet, type ChangeSetEntry } from './changeset.js';
import { DriftObjectError, PruneError } from './errors.js';
import { staleObjects, type Inventory } from './inventory.js';
import { managedFieldsOf } from './managed-fields.js';
import { ownWrites, type ApplyWindow } from './own-writes.js';
import { deleteLive, getLive, mergePatchStatus, pause } from './requests.js';
import { describeOwner, ownerOf, sameOwner, type SetOwner } from './ownership.js';

/**
 * What prune does with an object that left git: `Delete` (background propagation), `Orphan`
 * (leave it in the cluster, drop it from the inventory), or `WaitForTermination` (delete and wait
 * until it is gone, finalizers included).
 */
export type DeletionPolicy = 'Delete' | 'Orphan' | 'WaitForTermination';

/** Options of {@link prune}. */
export interface PruneOptions {
  /** The field manager that applied the objects; without `owner`, only objects it manages are deleted. Default `weft`. */
  readonly fieldManager?: string;
  /**
   * The owner that applied the objects (see `applySet`'s `owner`): only objects whose ownership
   * labels name it are deleted, whoever else manages fields of them.
   */
  readonly owner?: SetOwner;
  /** Default `Delete`. */
  readonly deletionPolicy?: DeletionPolicy;
  /**
   * A reason to leave an object that left the set alone (e.g. another owner declares it and will
   * take it over): it is `skipped` with that reason and drops out of the inventory all the same.
   */
  readonly keep?: (ref: ObjectRef) => string | undefined | Promise<string | undefined>;
  /** For `WaitForTermination`, in ms. Default 60 000. */
  readonly timeout?: number;
  /** Requests in flight at once. Default 16. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/**
 * Deletes the objects in `previous` that `current` no longer holds: what left git.
 *
 * @remarks
 * Guarantees: never deletes an object that `current` holds, that is gone already, or that is
 * annotated `weft.dev/prune: disabled` (or Flux's `kustomize.toolkit.fluxcd.io/prune: disabled`).
 * With `owner`, deletes only objects whose ownership labels name that owner (Weft's
 * `weft.dev/name`/`namespace`, or Flux's `kustomize.toolkit.fluxcd.io/name`/`namespace`): an object
 * another owner claims, or that carries no labels, is `skipped`. Without `owner`, deletes only
 * objects `fieldManager` manages. Custom resources are deleted before CRDs, Namespaces last. Each
 * deletion is recorded for {@link watchDrift} on the same client, field manager and owner, which
 * never takes it for drift.
 * @throws {@link PruneError} naming the object when a delete fails, or when
 * `WaitForTermination` times out.
 * @example
 * ```ts
 * import { applySet, prune } from '@weft/drift';
 *
 * const owner = { name: 'shop', namespace: 'default' };
 * const applied = await applySet(client, objects, { owner });
 * const pruned = await prune(client, lastInventory, applied.inventory, { owner });
 * ```
 */
export async function prune(client: KubeClient, previous: Inventory | undefined, current: Inventory, options: PruneOptions = {}): Promise<ChangeSet> {
  const fieldManager = options.fieldManager ?? 'weft';
  const policy = options.deletionPolicy ?? 'Delete';
  const stale = staleObjects(previous, current);
  const entries: ChangeSetEntry[] = [];
  const window = ownWrites(client, fieldManager, options.owner).begin(stale.map(inventoryId));
  try {
    // Custom resources, then CRDs, then Namespaces: each group finishes before the next starts.
    for (const rank of [0, 1, 2]) {
      const group = stale.filter((ref) => pruneRankOf(ref) === rank);
      const settings = { fieldManager, owner: options.owner, keep: options.keep, policy, timeout: options.timeout ?? 60_000, signal: options.signal, window };
      entries.push(...(await mapConcurrently(group, options.concurrency ?? 16, (ref) => pruneOne(client, ref, settings))).filter((entry): entry is ChangeSetEntry => entry !== undefined));
    }
  } finally {
    window.end();
  }
  return { entries };
}

function pruneRankOf(ref: ObjectRef): number {
  if (ref.kind === 'Namespace' && ref.group === '') return 2;
  if (ref.kind === 'CustomResourceDefinition') return 1;
  return 0;
}

interface PruneSettings {
  readonly fieldManager: string;
  readonly owner: SetOwner | undefined;
  readonly keep: PruneOptions['keep'];
  readonly policy: DeletionPolicy;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
  readonly window: ApplyWindow;
}

async function pruneOne(client: KubeClient, ref: ObjectRef, options: PruneSettings): Promise<ChangeSetEntry | undefined> {
  try {
    const live = await getLive(client, ref, { signal: options.signal });
    if (!live) return undefined;
    if (pruneDisabled(live)) return changeEntry(ref, 'skipped', 'pruning disabled by annotation');
    const notOurs = whyNotOurs(live, options);
    if (notOurs) return changeEntry(ref, 'skipped', notOurs);
    const kept = await options.keep?.(ref);
    if (kept) return changeEntry(ref, 'skipped', kept);
    if (live.metadata.deletionTimestamp) return changeEntry(ref, 'deleted', 'already terminating');
    if (options.policy === 'Orphan') return changeEntry(ref, 'orphaned', 'deletion policy Orphan');
    await deleteLive(client, ref, { propagationPolicy: 'Background', signal: options.signal });
    options.window.deleted(inventoryId(ref));
    if (options.policy === 'WaitForTermination') {
      const deadline = Date.now() + options.timeout;
      while (await getLive(client, ref, { signal: options.signal })) {
        if (Date.now() > deadline) throw new PruneError(ref, `was deleted but is still terminating after ${options.timeout} ms`, { retryable: true });
        await pause(200, 'delete', ref, options.signal);
      }
    }
    return changeEntry(ref, 'deleted');
  } catch (error) {
    if (error instanceof DriftObjectError || !(error instanceof KubeApiError)) throw error;
    throw new PruneError(ref, `prune failed: ${error.message}`, { cause: error, retryable: error.retryable });
  }
}

/** Why prune must leave a live object alone: its labels name another owner (or none), or, without an owner, another field manager manages it. */
function whyNotOurs(live: KubeObject, options: PruneSettings): string | undefined {
  if (!options.owner) return managedBy(live, options.fieldManager) ? undefined : `not managed by ${options.fieldManager}`;
  const labelled = ownerOf(live);
  if (!labelled) return `not labelled as owned by ${describeOwner(options.owner)}`;
  return sameOwner(labelled, options.owner) ? undefined : `owned by ${describeOwner(labelled)}`;
}

function managedBy(live: KubeObject, fieldManager: string): boolean {
  return managedFieldsOf(live).some((entry) => entry.manager === fieldManager);
}

/**
 * Stores an inventory in its owner's status (`status.inventory`, as Flux's Kustomization does),
 * through the status subresource.
 *
 * @remarks A JSON merge patch of `status.inventory` only: other status fields are kept. The owner's
 * kind must have a status subresource.
 *
 * @throws {@link DriftObjectError} naming the owner when the patch fails.
 * @example
 * ```ts
 * import { saveInventory } from '@weft/drift';
 *
 * await saveInventory(client, { group: 'kustomize.weft.dev', version: 'v1', kind: 'Kustomization', namespace: 'default', name: 'shop' }, applied.inventory);
 * ```
 */
export async function saveInventory(client: KubeClient, owner: ObjectRef, inventory: Inventory, options: { signal?: AbortSignal } = {}): Promise<void> {
  try {
    await mergePatchStatus(client, owner, { status: { inventory } }, { signal: options.signal });
  } catch (error) {
    throw new DriftObjectError(owner, `saving the inventory failed: ${(error as Error).message}`, { cause: error, retryable: error instanceof KubeApiError && error.retryable });
  }
}

/**
 * Reads an inventory from an owner object's `status.inventory`; undefined when it has none.
 *
 * @remarks Malformed entries (without a string `id` and `v`) are dropped.
 *
 * @example
 * ```ts
 * import { inventoryFromStatus } from '@weft/drift';
 *
 * const previous = inventoryFromStatus(await client.get({ apiVersion: 'kustomize.weft.dev/v1', kind: 'Kustomization' }, 'shop', { namespace: 'default' }));
 * ```
 */
export function inventoryFromStatus(owner: KubeObject | undefined): Inventory | undefined {
  const inventory = (owner?.['status'] as { inventory?: { entries?: unknown } } | undefined)?.inventory;
  if (!inventory || !Array.isArray(inventory.entries)) return undefined;
  return { entries: inventory.entries.filter((entry): entry is { id: string; v: string } => typeof entry?.id === 'string' && typeof entry?.v === 'string') };
}
