import type { KubeClient, KubeObject, ObjectRef } from '@weft/reconcile-core';
import { type ObjectDiff, diff, inventoryOf, staleObjects } from '@weft/drift';
import type { Kustomization } from '../kustomization/kustomization.js';
import { KUSTOMIZE_FIELD_MANAGER } from '../kustomization/reconciler.js';

/** Options of {@link diffKustomization}. */
export interface DiffKustomizationOptions {
  /** Dry runs in flight at once. Default 16. */
  readonly concurrency?: number;
  /** Aborts the dry runs. */
  readonly signal?: AbortSignal;
}

/** What applying a set in place of a Kustomization's last one would change (see {@link diffKustomization}). */
export interface KustomizationDiff {
  /** Each object of the set: `missing` (would be created), `drifted` (would change; unified diff with Secret values masked), `in-sync`, or `skipped`. */
  readonly entries: readonly ObjectDiff[];
  /** Objects of the Kustomization's inventory the set no longer holds: pruned when `spec.prune` is on (empty otherwise). */
  readonly deleted: readonly ObjectRef[];
  /** Whether anything would be created, changed or deleted. */
  readonly changed: boolean;
}

/**
 * Compares a set of objects (a {@link buildKustomization} result) with the cluster as the
 * Kustomization would apply it, as `flux diff kustomization` does: a server-side dry run of each
 * object under the Kustomization's field manager, ownership and `driftDetection.ignore` rules,
 * against the live objects; plus what its prune would delete.
 *
 * @remarks Guarantees: nothing is written. Fields the apiserver defaults never show as changes (the
 * comparison is with its own dry-run answer); Secret values are masked in every diff.
 * @throws `@weft/drift`'s `DriftObjectError` naming an object whose dry run fails; `CancelledError` when the signal aborts.
 * @example
 * ```ts
 * import { nodeFs } from '@weft/kustomize-lite';
 * import { buildKustomization, diffKustomization } from '@weft/delivery';
 *
 * const built = await buildKustomization(client, kustomization, nodeFs(), { path: `${checkout}/deploy` });
 * const changes = await diffKustomization(client, kustomization, built.objects);
 * for (const entry of changes.entries) if (entry.status === 'drifted') console.log(entry.unified);
 * ```
 */
export async function diffKustomization(client: KubeClient, kustomization: Kustomization, objects: readonly KubeObject[], options: DiffKustomizationOptions = {}): Promise<KustomizationDiff> {
  const owner = { name: kustomization.metadata.name, namespace: kustomization.metadata.namespace ?? 'default' };
  const entries = await diff(client, objects, {
    owner,
    fieldManager: KUSTOMIZE_FIELD_MANAGER,
    ...(kustomization.spec.driftDetection?.ignore ? { ignore: kustomization.spec.driftDetection.ignore } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const deleted = kustomization.spec.prune ? staleObjects(kustomization.status?.inventory, inventoryOf(objects)) : [];
  const changed = deleted.length > 0 || entries.some((entry) => entry.status === 'missing' || entry.status === 'drifted');
  return { entries, deleted, changed };
}
