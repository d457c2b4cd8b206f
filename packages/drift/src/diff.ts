import { objectRef, describeObject, inventoryId, isCancelledError, KubeApiError, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { prefetchLiveObjects } from './live-objects.js';
import { applyPolicyOf, driftDisabled } from './annotations.js';
import { mapConcurrently } from './bounded-concurrency.js';
import { getLive } from './requests.js';
import { dryRunObject } from './dry-run.js';
import { DriftObjectError } from './errors.js';
import { compileIgnoreRules, type CompiledIgnoreRules, type IgnoreRule } from './ignore.js';
import { fieldChanges, maskSecrets, unifiedDiff, type FieldChange } from './object-diff.js';
import { withOwnerLabels, type SetOwner } from './ownership.js';

/** How one object compares with what git wants. */
export type DiffStatus = 'in-sync' | 'drifted' | 'missing' | 'skipped';

/** One object's line in a {@link diff} result. */
export interface ObjectDiff {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly status: DiffStatus;
  /** The fields that differ (JSON pointers), Secret values masked; empty unless `drifted`. */
  readonly changes: readonly FieldChange[];
  /** A unified diff of the live object against the dry-run result as YAML, Secret values masked; empty unless `drifted`. */
  readonly unified: string;
  /** Why, for `skipped`. */
  readonly reason?: string;
}

/** Options of {@link diff}. */
export interface DiffOptions {
  /** The field manager the dry run applies as. Default `weft`. */
  readonly fieldManager?: string;
  /** The owner the set was applied with (see `applySet`): its ownership labels are part of what git wants. */
  readonly owner?: SetOwner;
  readonly ignore?: readonly IgnoreRule[];
  /** Requests in flight at once. Default 16. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/**
 * Compares each object with the cluster by server-side dry run: in sync, drifted (with a structured
 * and a unified diff) or missing.
 *
 * @remarks
 * Guarantees: nothing is written. Fields the apiserver or a CRD defaults never show as drift (the
 * comparison is with the apiserver's own dry-run answer, made with `force` under `fieldManager`).
 * Ignore rules drop fields by JSON pointer, by target and by owning field manager. Secret values are
 * masked in both diffs. Objects with apply policy `Ignore` or annotated `weft.dev/drift: disabled`
 * are `skipped`.
 *
 * Caveat: a field someone else added that git does not mention (a new label by `kubectl edit`) is
 * not drift here, as in Flux; {@link applySet} takes such fields back from `kubectl` managers.
 * @throws {@link DriftObjectError} naming the object when its dry run fails.
 * @example
 * ```ts
 * import { diff } from '@weft/drift';
 *
 * for (const entry of await diff(client, objects, { owner, ignore: [{ paths: ['/spec/replicas'], target: { kind: 'Deployment' } }] })) {
 *   if (entry.status === 'drifted') console.log(entry.unified);
 * }
 * ```
 */
export async function diff(client: KubeClient, objects: readonly KubeObject[], options: DiffOptions = {}): Promise<ObjectDiff[]> {
  const ignore = compileIgnoreRules(options.ignore);
  const concurrency = options.concurrency ?? 16;
  const labelled = withOwnerLabels(objects, options.owner);
  const prefetched = await prefetchLiveObjects(client, labelled, { concurrency, signal: options.signal });
  return mapConcurrently(labelled, concurrency, (object) => {
    const live = prefetched.get(inventoryId(objectRef(object)));
    return diffObject(client, object, { fieldManager: options.fieldManager ?? 'weft', ignore, signal: options.signal, ...(live === undefined ? {} : { live }) });
  });
}

/**
 * Compares one object with the cluster (see {@link diff}).
 *
 * @remarks Pass `live` when you already hold the live object (from a watch event; `null` when it
 * is known to be absent) to save a read. Nothing is written.
 * @throws {@link DriftObjectError} naming the object when its dry run fails; `CancelledError` when the signal aborts.
 * @example
 * ```ts
 * import { compileIgnoreRules, diffObject } from '@weft/drift';
 *
 * const result = await diffObject(client, object, { fieldManager: 'weft', ignore: compileIgnoreRules(rules) });
 * ```
 */
export async function diffObject(client: KubeClient, object: KubeObject, options: { fieldManager: string; ignore: CompiledIgnoreRules; live?: KubeObject | null; signal?: AbortSignal | undefined }): Promise<ObjectDiff> {
  const ref = objectRef(object);
  const subject = describeObject(ref);
  if (applyPolicyOf(object) === 'Ignore') return { ref, subject, status: 'skipped', changes: [], unified: '', reason: 'apply policy Ignore' };
  if (driftDisabled(object)) return { ref, subject, status: 'skipped', changes: [], unified: '', reason: 'drift detection disabled by annotation' };
  try {
    const live = options.live === undefined ? await getLive(client, ref, { signal: options.signal }) : (options.live ?? undefined);
    if (!live) return { ref, subject, status: 'missing', changes: [], unified: '' };
    if (applyPolicyOf(object) === 'IfNotPresent') return { ref, subject, status: 'skipped', changes: [], unified: '', reason: 'apply policy IfNotPresent' };
    const plan = await dryRunObject(client, object, { fieldManager: options.fieldManager, ignore: options.ignore, live, signal: options.signal });
    if (!plan.differs) return { ref, subject, status: 'in-sync', changes: [], unified: '' };
    const [maskedLive, maskedDesired] = maskSecrets(plan.comparedLive, plan.comparedDryRun);
    return { ref, subject, status: 'drifted', changes: fieldChanges(maskedLive, maskedDesired), unified: unifiedDiff(subject, maskedLive, maskedDesired) };
  } catch (error) {
    if (error instanceof DriftObjectError || isCancelledError(error)) throw error;
    throw new DriftObjectError(ref, `diff failed: ${(error as Error).message}`, { cause: error, retryable: error instanceof KubeApiError && error.retryable });
  }
}
