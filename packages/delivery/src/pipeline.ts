import { applySet, correctDrift, type IgnoreRule, type Inventory, type PipelineOutcome, type RemediationMode, type SetOwner } from '@weft/drift';
import type { KubeClient, ObjectRef } from '@weft/reconcile-core';
import { pipe, type OperatorFunction } from 'rxjs';
import { kustomizeBuild, type KustomizeBuildOptions } from './kustomize-build.js';
import type { SourceOutcome } from './source.js';

/** Options of {@link deliveryPipeline}: what to build, how to apply, whether to correct drift. */
export interface DeliveryPipelineOptions extends KustomizeBuildOptions {
  /** Who applies (ownership labels `weft.dev/name`/`namespace`; prune and drift correction touch only its objects). */
  readonly owner: SetOwner;
  /** The server-side apply field manager. Default `weft`. */
  readonly fieldManager?: string;
  /** Prune what left git between revisions. Default false. */
  readonly prune?: boolean;
  /** What the last revision applied before this pipeline started (to prune against), e.g. from a status. */
  readonly inventory?: Inventory;
  /** Recreate objects whose immutable fields change. Default false. */
  readonly force?: boolean;
  /** Fields left to others: not applied over, not drift (see `@weft/drift`'s ignore rules). */
  readonly ignore?: readonly IgnoreRule[];
  /** How long to wait for CRDs to be Established, in ms. Default 60 000. */
  readonly timeout?: number;
  /** Drift correction of each applied revision: `revert` (default), `report`, or `false` for none. */
  readonly drift?: RemediationMode | false;
  /** Record Kubernetes Events (`DriftDetected`, `DriftReverted`) on drifted objects. Default true. */
  readonly recordEvents?: boolean;
  /** Called with the inventory after each applied revision, to store it. */
  readonly onInventory?: (inventory: Inventory) => void;
  /** See `applySet`'s `claimStands`. */
  readonly claimStands?: (claimant: SetOwner, ref: ObjectRef) => boolean | Promise<boolean>;
  /** See `prune`'s `keep`. */
  readonly keepOnPrune?: (ref: ObjectRef) => string | undefined | Promise<string | undefined>;
}

/**
 * The whole delivery pipeline as one rxjs operator: source revisions in → `kustomizeBuild` →
 * `applySet` (dry-run gated, staged, pruning) → `correctDrift` → outcomes of every stage out. The
 * Kustomization reconciler runs this very pipeline, one per Kustomization.
 *
 * @remarks
 * Sequencing guarantees (each stage's own, composed):
 * - Newest revision wins: a newer revision aborts the build or apply of an older one.
 * - Errors are values: a revision that does not build, or whose apply is refused, is a failed
 *   outcome naming the stage and the revision; the pipeline goes on with the next revision.
 * - A refused revision is never written, by any stage: drift correction acts only on revisions
 *   that were applied, and keeps guarding the last one.
 * - A deploy is never drift: drift correction's checks of the objects being applied wait until the
 *   apply and prune are over, and the versions the pipeline wrote are its own.
 * - Ownership: every object carries the owner's labels; prune and drift correction act only on
 *   objects labelled for this owner, and an object another owner claims is left to it.
 * - Unsubscribing stops everything: fetches, builds, applies, watches.
 * @example
 * ```ts
 * import { KubeClient } from '@weft/reconcile-core';
 * import { deliveryPipeline, gitRevisions } from '@weft/delivery';
 *
 * const client = new KubeClient(kubeConfig);
 * const delivery = gitRevisions({ url: repo.url, ref: { branch: 'main' }, interval: '1s' })
 *   .pipe(deliveryPipeline(client, { owner: { name: 'shop', namespace: 'default' }, path: 'deploy', targetNamespace: 'default', prune: true, drift: 'revert' }))
 *   .subscribe((outcome) => {
 *     if (!outcome.ok) console.error(`${outcome.stage} of ${outcome.revision ?? 'the source'} failed: ${outcome.error.message}`);
 *     else if (outcome.stage === 'apply') console.log(`applied ${outcome.revision}`);
 *     else if (outcome.stage === 'drift' && outcome.event.type === 'reverted') console.log(`${outcome.event.subject} put back`);
 *   });
 * ```
 */
export function deliveryPipeline(client: KubeClient, options: DeliveryPipelineOptions): OperatorFunction<SourceOutcome, PipelineOutcome> {
  const fieldManager = options.fieldManager ?? 'weft';
  const build = kustomizeBuild(options);
  const apply = applySet(client, {
    fieldManager,
    owner: options.owner,
    prune: options.prune ?? false,
    force: options.force ?? false,
    ignore: options.ignore ?? [],
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(options.inventory ? { inventory: options.inventory } : {}),
    ...(options.onInventory ? { onInventory: options.onInventory } : {}),
    ...(options.claimStands ? { claimStands: options.claimStands } : {}),
    ...(options.keepOnPrune ? { pruneOptions: { keep: options.keepOnPrune } } : {}),
  });
  if (options.drift === false) return pipe(build, apply);
  return pipe(build, apply, correctDrift(client, { mode: options.drift ?? 'revert', fieldManager, owner: options.owner, ignore: options.ignore ?? [], recordEvents: options.recordEvents ?? true }));
}
