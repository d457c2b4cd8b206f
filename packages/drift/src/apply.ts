import type { KubeObject, KubeClient } from '@weft/reconcile-core';
import type { OperatorFunction } from 'rxjs';
import { applyObjects, type ApplySetOptions, type ApplySetResult } from './apply-objects.js';
import { applySetOperator, type ApplySetOperatorOptions } from './apply-operator.js';
import type { ApplyOutcome, BuildOutcome } from './outcome.js';

/**
 * Server-side applies a set of objects in stages, after a dry run of the set.
 *
 * @remarks
 * Guarantees:
 * - Stage one holds CustomResourceDefinitions and Namespaces; it is applied first and the CRDs are
 *   waited on until Established, then the rest is applied.
 * - All or nothing at the dry run: every object is dry-run server-side (with `force`) before
 *   anything is written; one rejected object means nothing is applied and a {@link DryRunError}
 *   names it (and every other rejected object). The one exception: objects that cannot be dry-run
 *   before stage one exists (in a Namespace the set creates, custom resources of a CRD it creates
 *   or changes) are dry-run right after those Namespaces and CRDs are written; if one of them is
 *   rejected, the Namespaces and CRDs this apply created are deleted again (the error lists them
 *   in `rolledBack`), while a CRD it changed stays changed (deleting it would delete its custom
 *   resources; the error lists it in `keptChanged`).
 * - Objects whose dry run equals the live object are not written (`unchanged`).
 * - With `owner`, every object gets the ownership labels `weft.dev/name` and `weft.dev/namespace`
 *   (Flux's `kustomize.toolkit.fluxcd.io/name`/`namespace` are read as aliases); an object whose
 *   labels name another owner is not written (`skipped`, listed in `conflicts`, not in the inventory).
 * - Apply policy per object, by annotation `weft.dev/ssa` (or Flux's `kustomize.toolkit.fluxcd.io/ssa`):
 *   `Override` (default) applies with force and first takes back fields `kubectl` edits claimed;
 *   `Merge` applies with force but leaves fields other managers own; `IfNotPresent` creates the
 *   object only when it is absent; `Ignore` skips it.
 * - An immutable-field change fails with an {@link ImmutableFieldError} unless `force` is set for
 *   the set or the object (`weft.dev/force: enabled`); then the object is deleted, waited on until
 *   gone, and created again (`recreated`).
 * - Retryable apiserver failures (it restarts, 503) are retried for a minute; applies are idempotent,
 *   so a retried set converges without duplicates.
 * - Every write is recorded for {@link watchDrift} on the same client, field manager and owner,
 *   which never takes it for drift.
 *
 * Caveat: a write that fails after the dry run passed (the apiserver went away for longer than
 * the retries) leaves the objects written before it applied; applying the set again converges.
 * @throws {@link InvalidSetError} for a malformed set (no kind, no name, an object twice, an owner that is not a label value).
 * @throws {@link DryRunError} when the dry run rejects any object (nothing applied, see above).
 * @throws {@link DriftObjectError} when an apply fails after the dry run passed.
 * @throws {@link CancelledError} when the signal aborts.
 * @example
 * ```ts
 * import { applySet, summarizeChangeSet } from '@weft/drift';
 *
 * const result = await applySet(client, objects, { fieldManager: 'weft', owner: { name: 'shop', namespace: 'default' } });
 * console.log(summarizeChangeSet(result)); // "ConfigMap/shop/settings created" …
 * ```
 */
export function applySet(client: KubeClient, objects: readonly KubeObject[], options?: ApplySetOptions): Promise<ApplySetResult>;
/**
 * The same as an rxjs operator: each built revision that arrives is applied (a newer one aborts
 * the apply of the previous one: newest input wins) and, with `prune`, what left git since the
 * last applied revision is pruned. A failed outcome that arrives (a revision that did not build)
 * is passed on untouched; a failed apply is a failed outcome of stage `apply`. The stream lives on.
 *
 * @remarks Its writes are recorded for `correctDrift` downstream, whose drift checks of these
 * objects wait until the apply (and prune) is over, so a deploy is never taken for drift.
 * @example
 * ```ts
 * import { applySet } from '@weft/drift';
 * import { Subject } from 'rxjs';
 *
 * const builds = new Subject<BuildOutcome>();
 * builds.pipe(applySet(client, { prune: true, owner: { name: 'shop', namespace: 'default' } })).subscribe((outcome) => {
 *   if (!outcome.ok) console.error(`${outcome.stage} failed for ${outcome.revision}: ${outcome.error.message}`);
 * });
 * builds.next({ ok: true, stage: 'build', revision: 'v1', objects });
 * ```
 */
export function applySet(client: KubeClient, options?: ApplySetOperatorOptions): OperatorFunction<BuildOutcome, ApplyOutcome>;
export function applySet(client: KubeClient, objectsOrOptions?: readonly KubeObject[] | ApplySetOperatorOptions, options: ApplySetOptions = {}): Promise<ApplySetResult> | OperatorFunction<BuildOutcome, ApplyOutcome> {
  if (Array.isArray(objectsOrOptions)) return applyObjects(client, objectsOrOptions, options);
  return applySetOperator(client, (objectsOrOptions ?? {}) as ApplySetOperatorOptions);
}
