import { inventoryId, objectRef, type KubeObject, type KubeClient } from '@weft/reconcile-core';
import { setMaxListeners } from 'node:events';
import { Observable, of, switchMap, type OperatorFunction } from 'rxjs';
import { applyObjects, type ApplySetOptions } from './apply-objects.js';
import type { ChangeSet } from './changeset.js';
import type { Inventory } from './inventory.js';
import type { ApplyOutcome, BuildOutcome } from './outcome.js';
import { ownWrites } from './own-writes.js';
import { prune, type PruneOptions } from './prune.js';

/** Options of the {@link applySet} operator. */
export interface ApplySetOperatorOptions extends Omit<ApplySetOptions, 'signal'> {
  /** Prune what left git between revisions. Default false. */
  readonly prune?: boolean;
  /** The inventory of the last apply before this stream started (from the owner's status), for pruning. */
  readonly inventory?: Inventory;
  readonly pruneOptions?: Omit<PruneOptions, 'signal' | 'fieldManager' | 'owner'>;
  /** Called with each inventory the operator holds from now on (after each applied revision), to store it (e.g. in the owner's status). */
  readonly onInventory?: (inventory: Inventory) => void;
}

/** The {@link applySet} operator (see there). */
export function applySetOperator(client: KubeClient, options: ApplySetOperatorOptions): OperatorFunction<BuildOutcome, ApplyOutcome> {
  let inventory = options.inventory;
  const ledger = ownWrites(client, options.fieldManager ?? 'weft', options.owner);
  return switchMap((input) => {
    if (!input.ok) return of(input);
    return new Observable<ApplyOutcome>((subscriber) => {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      // One window over the apply and the prune: drift checks of these objects wait until both are over.
      const window = ledger.begin([...input.objects.map((object) => inventoryId(objectRef(object))), ...(inventory?.entries.map((entry) => entry.id) ?? [])]);
      void (async () => {
        let outcome: ApplyOutcome | undefined;
        try {
          const result = await applyObjects(client, input.objects, { ...options, ...(input.sourceOf ? { sourceOf: input.sourceOf } : {}), signal: controller.signal });
          const files = new Map(input.objects.map((object) => [inventoryId(objectRef(object)), input.sourceOf?.(object)]));
          const sourceOf = (object: KubeObject) => files.get(inventoryId(objectRef(object)));
          const applied = { ok: true, stage: 'apply', revision: input.revision, objects: result.objects, result, pruned: { entries: [] }, sourceOf } as const;
          let pruned: ChangeSet = { entries: [] };
          if (options.prune) {
            try {
              pruned = await prune(client, inventory, result.inventory, {
                ...options.pruneOptions,
                ...(options.fieldManager ? { fieldManager: options.fieldManager } : {}),
                ...(options.owner ? { owner: options.owner } : {}),
                signal: controller.signal,
              });
            } catch (error) {
              if (controller.signal.aborted) throw error;
              // Applied, but not all pruned: keep what is left in the inventory for the next revision.
              inventory = mergeInventories(result.inventory, inventory);
              options.onInventory?.(inventory);
              outcome = { ok: false, stage: 'apply', revision: input.revision, error: error as Error, applied };
            }
          }
          if (!outcome) {
            inventory = result.inventory;
            options.onInventory?.(inventory);
            outcome = { ...applied, pruned };
          }
        } catch (error) {
          if (!controller.signal.aborted) outcome = { ok: false, stage: 'apply', revision: input.revision, error: error as Error };
        }
        if (outcome) subscriber.next(outcome);
        // After the outcome: drift correction downstream switches to this set before its old watch goes on.
        window.end();
        subscriber.complete();
      })();
      return () => {
        controller.abort();
        window.end();
      };
    });
  });
}

/** The inventory of `current` plus what of `previous` it does not hold (objects a failed prune left). */
export function mergeInventories(current: Inventory, previous: Inventory | undefined): Inventory {
  const ids = new Set(current.entries.map((entry) => entry.id));
  return { entries: [...current.entries, ...(previous?.entries ?? []).filter((entry) => !ids.has(entry.id))].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
}
