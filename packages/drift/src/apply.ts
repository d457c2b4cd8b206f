import { describeObject, objectRef, inventoryId, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { setMaxListeners } from 'node:events';
import { Observable, switchMap, type OperatorFunction } from 'rxjs';
import { abortableSleep } from './abortable-sleep.js';
import { applyPolicyOf, forceRequested } from './annotations.js';
import { settleConcurrently } from './bounded-concurrency.js';
import { changeEntry, type ChangeSet, type ChangeSetEntry } from './changeset.js';
import { CancelledError, ClusterApiError, type ClusterClient } from './cluster-client.js';
import { dryRunObject, type DryRunPlan } from './dry-run.js';
import { DriftObjectError, DryRunError, ImmutableFieldError, InvalidSetError } from './errors.js';
import { compileIgnoreRules, type CompiledIgnoreRules, type IgnoreRule } from './ignore.js';
import { inventoryOf, type Inventory } from './inventory.js';
import { prefetchLiveObjects } from './live-objects.js';
import { prune, type PruneOptions } from './prune.js';
import { hasClaimedFields, kubectlManagers, takeClaimedFields } from './take-ownership.js';

/** Options of {@link applySet}. */
export interface ApplySetOptions {
  /** The server-side apply field manager. Default `weft`. */
  readonly fieldManager?: string;
  /** Recreate every object whose immutable fields change (per object: annotation `weft.dev/force: enabled`). Default false. */
  readonly force?: boolean;
  /** Requests in flight at once. Default 16. */
  readonly concurrency?: number;
  /**
   * Dry-run the whole set before writing anything. Default true. With false, each object is applied
   * once, without the dry run: about half the requests, but an invalid object no longer stops the
   * others (the first failure is thrown after the stage is applied).
   */
  readonly dryRunGate?: boolean;
  /** Fields left to others on existing objects (see {@link IgnoreRule}). */
  readonly ignore?: readonly IgnoreRule[];
  /** Managers whose fields are taken back before applying (objects with apply policy `Override`). Default {@link kubectlManagers}. */
  readonly takeOwnershipFrom?: readonly string[];
  /** How long to wait for CRDs to be Established and recreated objects to be gone, in ms. Default 60 000. */
  readonly timeout?: number;
  /** The file each object came from, for error messages. Default: kustomize's `config.kubernetes.io/path` annotation. */
  readonly sourceOf?: (object: KubeObject) => string | undefined;
  readonly signal?: AbortSignal;
}

/** The result of {@link applySet}: what happened to each object, and the inventory to store for pruning. */
export interface ApplySetResult extends ChangeSet {
  /** Every object the set holds (objects with apply policy `Ignore` left out). */
  readonly inventory: Inventory;
}

/**
 * Server-side applies a set of objects in stages, after a dry run of the set.
 *
 * @remarks
 * Guarantees:
 * - Stage one holds CustomResourceDefinitions and Namespaces; it is applied first and the CRDs are
 *   waited on until Established, then the rest is applied.
 * - Before anything is written, every object is dry-run server-side (with `force`); one rejected
 *   object means nothing is applied and a {@link DryRunError} names it (and every other rejected
 *   object). Objects that need stage one to exist (a custom resource of a CRD in the set, an object
 *   in a namespace the set creates) are dry-run once stage one is applied, before the rest is written.
 * - Objects whose dry run equals the live object are not written (`unchanged`).
 * - Apply policy per object, by annotation `weft.dev/ssa` (or Flux's `kustomize.toolkit.fluxcd.io/ssa`):
 *   `Override` (default) applies with force and first takes back fields `kubectl` edits claimed;
 *   `Merge` applies with force but leaves fields other managers own; `IfNotPresent` creates the
 *   object only when it is absent; `Ignore` skips it.
 * - An immutable-field change fails with an {@link ImmutableFieldError} unless `force` is set for
 *   the set or the object (`weft.dev/force: enabled`); then the object is deleted, waited on until
 *   gone, and created again (`recreated`).
 * - Retryable apiserver failures (it restarts, 503) are retried for a minute; applies are idempotent,
 *   so a retried set converges without duplicates.
 * @throws {@link InvalidSetError} for a malformed set (no kind, no name, an object twice).
 * @throws {@link DryRunError} when the dry run rejects any object (nothing applied).
 * @throws {@link DriftObjectError} when an apply fails after the dry run passed (stage one may be applied).
 * @throws {@link CancelledError} when the signal aborts.
 * @example
 * ```ts
 * const client = new ClusterClient(kubeConfig);
 * const result = await applySet(client, objects, { fieldManager: 'weft', signal });
 * console.log(summarizeChangeSet(result)); // "Deployment/prod/web configured" …
 * ```
 */
export function applySet(client: ClusterClient, objects: readonly KubeObject[], options?: ApplySetOptions): Promise<ApplySetResult>;
/**
 * The same as an rxjs operator: each set that arrives (a `KubeObject[]`, one per revision) is applied;
 * a newer set aborts the apply of the previous one (newest input wins); with `prune`, what left git
 * since the last successful apply is pruned. Failures are values (`ok: false`); the stream lives on.
 *
 * @example
 * ```ts
 * sets$.pipe(applySet(client, { prune: true, inventory: lastInventory })).subscribe((outcome) => {
 *   if (!outcome.ok) console.error(outcome.error.message);
 * });
 * ```
 */
export function applySet(client: ClusterClient, options?: ApplySetOperatorOptions): OperatorFunction<readonly KubeObject[], ApplyOutcome>;
export function applySet(client: ClusterClient, objectsOrOptions?: readonly KubeObject[] | ApplySetOperatorOptions, options: ApplySetOptions = {}): Promise<ApplySetResult> | OperatorFunction<readonly KubeObject[], ApplyOutcome> {
  if (Array.isArray(objectsOrOptions)) return applyObjects(client, objectsOrOptions, options);
  return applySetOperator(client, (objectsOrOptions ?? {}) as ApplySetOperatorOptions);
}

/** Options of the {@link applySet} operator. */
export interface ApplySetOperatorOptions extends Omit<ApplySetOptions, 'signal'> {
  /** Prune what left git between sets. Default false. */
  readonly prune?: boolean;
  /** The inventory of the last apply before this stream started (from the owner's status), for pruning. */
  readonly inventory?: Inventory;
  readonly pruneOptions?: Omit<PruneOptions, 'signal' | 'fieldManager'>;
}

/** What the {@link applySet} operator emits for each set. */
export type ApplyOutcome =
  | { readonly ok: true; readonly objects: readonly KubeObject[]; readonly result: ApplySetResult; readonly pruned: ChangeSet }
  | { readonly ok: false; readonly objects: readonly KubeObject[]; readonly error: Error };

function applySetOperator(client: ClusterClient, options: ApplySetOperatorOptions): OperatorFunction<readonly KubeObject[], ApplyOutcome> {
  let inventory = options.inventory;
  return switchMap(
    (objects) =>
      new Observable<ApplyOutcome>((subscriber) => {
        const controller = new AbortController();
        setMaxListeners(0, controller.signal);
        void (async () => {
          try {
            const result = await applyObjects(client, objects, { ...options, signal: controller.signal });
            const pruned = options.prune ? await prune(client, inventory, result.inventory, { ...options.pruneOptions, ...(options.fieldManager ? { fieldManager: options.fieldManager } : {}), signal: controller.signal }) : { entries: [] };
            inventory = result.inventory;
            subscriber.next({ ok: true, objects, result, pruned });
          } catch (error) {
            if (!controller.signal.aborted) subscriber.next({ ok: false, objects, error: error as Error });
          }
          subscriber.complete();
        })();
        return () => controller.abort();
      }),
  );
}

async function applyObjects(client: ClusterClient, objects: readonly KubeObject[], options: ApplySetOptions = {}): Promise<ApplySetResult> {
  const settings = resolveOptions(options);
  checkSet(objects);
  const skipped = objects.filter((object) => applyPolicyOf(object) === 'Ignore');
  const applied = objects.filter((object) => applyPolicyOf(object) !== 'Ignore');
  const [first, rest] = stages(applied);
  const entries = new Map<string, ChangeSetEntry>();
  for (const object of skipped) entries.set(inventoryId(objectRef(object)), changeEntry(objectRef(object), 'skipped', 'apply policy Ignore'));

  if (!settings.dryRunGate) {
    for (const stage of [first, rest]) {
      await applyStageDirectly(client, stage, settings, entries);
      if (stage === first) await waitForCrds(client, first, settings);
    }
    const ordered = objects.map((object) => entries.get(inventoryId(objectRef(object)))!).filter(Boolean);
    return { entries: ordered, inventory: inventoryOf(applied) };
  }

  // Validate everything that can be validated before any write; objects that need stage one are deferred.
  const providedByFirst = stageOneProvides(first);
  const firstPlans = await planAll(client, first, settings, () => false);
  const restPlans = await planAll(client, rest, settings, (object, error) => providedByFirst(object) && error instanceof ClusterApiError && error.code === 404);
  const deferred = rest.filter((_, index) => restPlans[index] === 'deferred');

  await writeAll(client, firstPlans, settings, entries);
  await waitForCrds(client, first, settings);
  const laterPlans = await planAll(client, deferred, settings, () => false);
  await writeAll(client, [...restPlans.filter((plan): plan is PlannedObject => plan !== 'deferred'), ...laterPlans.filter((plan): plan is PlannedObject => plan !== 'deferred')], settings, entries);

  const ordered = objects.map((object) => entries.get(inventoryId(objectRef(object)))!).filter(Boolean);
  return { entries: ordered, inventory: inventoryOf(applied) };
}

/**
 * Applies a stage without the dry-run gate: one apply per object, and the resourceVersion tells
 * `unchanged` (a no-op apply is not stored) from `configured`.
 */
async function applyStageDirectly(client: ClusterClient, objects: readonly KubeObject[], settings: ResolvedOptions, entries: Map<string, ChangeSetEntry>): Promise<void> {
  const prefetched = await prefetchLiveObjects(client, objects, settings);
  const outcomes = await settleConcurrently(objects, settings.concurrency, async (object): Promise<ChangeSetEntry> => {
    const ref = objectRef(object);
    const known = prefetched.get(inventoryId(ref));
    const live = known === undefined ? await client.get(ref, { signal: settings.signal }) : (known ?? undefined);
    const policy = applyPolicyOf(object);
    if (policy === 'IfNotPresent' && live) return changeEntry(ref, 'skipped', 'apply policy IfNotPresent');
    if (policy === 'Override' && live && hasClaimedFields(live, settings.takeOwnershipFrom)) {
      await takeClaimedFields(client, live, { fieldManager: settings.fieldManager, managers: settings.takeOwnershipFrom, signal: settings.signal });
    }
    const sent = live && settings.ignore.appliesTo(live) ? structuredClone(object) : object;
    if (sent !== object) settings.ignore.strip(sent, live);
    try {
      const stored = await client.apply(sent, { fieldManager: settings.fieldManager, force: true, signal: settings.signal });
      if (!live) return changeEntry(ref, 'created');
      return changeEntry(ref, stored.metadata.resourceVersion === live.metadata.resourceVersion ? 'unchanged' : 'configured');
    } catch (error) {
      if (!(live && isImmutableError(error) && (settings.force || forceRequested(object)))) throw error;
      return writeOne(client, { object, action: 'recreate', plan: undefined }, settings);
    }
  });
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'fulfilled') entries.set(inventoryId(objectRef(objects[index]!)), outcome.value);
  }
  const failures = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [objectError(objects[index]!, outcome.reason, settings, 'apply failed')] : []));
  if (settings.signal?.aborted) throw new CancelledError('apply cancelled', { cause: settings.signal.reason });
  if (failures.length > 0) throw failures[0]!;
}

interface ResolvedOptions {
  readonly dryRunGate: boolean;
  readonly fieldManager: string;
  readonly force: boolean;
  readonly concurrency: number;
  readonly ignore: CompiledIgnoreRules;
  readonly takeOwnershipFrom: readonly string[];
  readonly timeout: number;
  readonly sourceOf: (object: KubeObject) => string | undefined;
  readonly signal: AbortSignal | undefined;
}

function resolveOptions(options: ApplySetOptions): ResolvedOptions {
  return {
    dryRunGate: options.dryRunGate ?? true,
    fieldManager: options.fieldManager ?? 'weft',
    force: options.force ?? false,
    concurrency: options.concurrency ?? 16,
    ignore: compileIgnoreRules(options.ignore),
    takeOwnershipFrom: options.takeOwnershipFrom ?? kubectlManagers,
    timeout: options.timeout ?? 60_000,
    sourceOf: options.sourceOf ?? ((object) => object.metadata.annotations?.['config.kubernetes.io/path'] ?? object.metadata.annotations?.['internal.config.kubernetes.io/path']),
    signal: options.signal,
  };
}

/** What the dry run decided for one object. */
interface PlannedObject {
  readonly object: KubeObject;
  readonly action: 'create' | 'update' | 'unchanged' | 'recreate' | 'skip';
  readonly plan: DryRunPlan | undefined;
  readonly reason?: string;
}

function checkSet(objects: readonly KubeObject[]): void {
  const seen = new Set<string>();
  for (const [index, object] of objects.entries()) {
    if (!object || typeof object.apiVersion !== 'string' || !object.apiVersion || typeof object.kind !== 'string' || !object.kind || !object.metadata?.name) {
      throw new InvalidSetError(`object ${index} of the set has no apiVersion, kind or metadata.name`);
    }
    const id = inventoryId(objectRef(object));
    if (seen.has(id)) throw new InvalidSetError(`${describeObject(objectRef(object))} appears twice in the set`);
    seen.add(id);
  }
}

function isStageOne(object: KubeObject): boolean {
  return (object.kind === 'CustomResourceDefinition' && object.apiVersion.startsWith('apiextensions.k8s.io/')) || (object.kind === 'Namespace' && object.apiVersion === 'v1');
}

function stages(objects: readonly KubeObject[]): [KubeObject[], KubeObject[]] {
  return [objects.filter(isStageOne), objects.filter((object) => !isStageOne(object))];
}

/** Which stage-two objects cannot be dry-run before stage one exists: in a namespace or of a kind it creates. */
function stageOneProvides(first: readonly KubeObject[]): (object: KubeObject) => boolean {
  const namespaces = new Set(first.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name));
  const kinds = new Set(
    first
      .filter((object) => object.kind === 'CustomResourceDefinition')
      .flatMap((crd) => {
        const spec = crd['spec'] as { group?: string; names?: { kind?: string } } | undefined;
        return spec?.group && spec.names?.kind ? [`${spec.group}/${spec.names.kind}`] : [];
      }),
  );
  return (object) => namespaces.has(object.metadata.namespace ?? '') || kinds.has(`${objectRef(object).group}/${object.kind}`);
}

const immutablePattern = /immutable|may not be changed|cannot be changed|field is not mutable/i;

function isImmutableError(error: unknown): boolean {
  if (!(error instanceof ClusterApiError) || error.code !== 422) return false;
  return immutablePattern.test(error.message) || error.causes.some((cause) => immutablePattern.test(cause.message ?? ''));
}

async function planAll(client: ClusterClient, objects: readonly KubeObject[], settings: ResolvedOptions, defer: (object: KubeObject, error: unknown) => boolean): Promise<(PlannedObject | 'deferred')[]> {
  const prefetched = await prefetchLiveObjects(client, objects, settings);
  const outcomes = await settleConcurrently(objects, settings.concurrency, (object) => planOne(client, object, settings, prefetched.get(inventoryId(objectRef(object)))));
  const failures: DriftObjectError[] = [];
  const plans = outcomes.map((outcome, index): PlannedObject | 'deferred' => {
    if (outcome.status === 'fulfilled') return outcome.value;
    const object = objects[index]!;
    if (defer(object, outcome.reason)) return 'deferred';
    failures.push(objectError(object, outcome.reason, settings));
    return 'deferred';
  });
  if (settings.signal?.aborted) throw new CancelledError('apply cancelled', { cause: settings.signal.reason });
  if (failures.length > 0) throw new DryRunError(failures);
  return plans;
}

function objectError(object: KubeObject, error: unknown, settings: ResolvedOptions, verb = 'dry-run failed'): DriftObjectError {
  if (error instanceof DriftObjectError || error instanceof CancelledError) return error as DriftObjectError;
  const source = settings.sourceOf(object);
  const ref = objectRef(object);
  const detail = error instanceof ClusterApiError ? error.message.slice(error.message.indexOf(': ') + 2) : String((error as Error)?.message ?? error);
  const extra = source ? { source } : {};
  if (isImmutableError(error)) return new ImmutableFieldError(ref, `${verb}: ${detail} (set force or annotate weft.dev/force: enabled to recreate it)`, { cause: error, retryable: false, ...extra });
  return new DriftObjectError(ref, `${verb}: ${detail}`, { cause: error, retryable: error instanceof ClusterApiError && error.retryable, ...extra });
}

async function planOne(client: ClusterClient, object: KubeObject, settings: ResolvedOptions, prefetched: KubeObject | null | undefined): Promise<PlannedObject> {
  const policy = applyPolicyOf(object);
  const live = prefetched === undefined ? await client.get(objectRef(object), { signal: settings.signal }) : (prefetched ?? undefined);
  if (policy === 'IfNotPresent' && live) return { object, action: 'skip', plan: undefined, reason: 'apply policy IfNotPresent' };
  try {
    const plan = await dryRunObject(client, object, { fieldManager: settings.fieldManager, ignore: settings.ignore, live: live ?? null, signal: settings.signal });
    const claimed = policy === 'Override' && live !== undefined && hasClaimedFields(live, settings.takeOwnershipFrom);
    if (!live) return { object, action: 'create', plan };
    return { object, action: plan.differs || claimed ? 'update' : 'unchanged', plan };
  } catch (error) {
    if (live && isImmutableError(error) && (settings.force || forceRequested(object))) return { object, action: 'recreate', plan: undefined };
    throw error;
  }
}

async function writeAll(client: ClusterClient, plans: readonly (PlannedObject | 'deferred')[], settings: ResolvedOptions, entries: Map<string, ChangeSetEntry>): Promise<void> {
  const work = plans.filter((plan): plan is PlannedObject => plan !== 'deferred');
  const outcomes = await settleConcurrently(work, settings.concurrency, (planned) => writeOne(client, planned, settings));
  for (const [index, outcome] of outcomes.entries()) {
    const ref = objectRef(work[index]!.object);
    if (outcome.status === 'fulfilled') entries.set(inventoryId(ref), outcome.value);
  }
  const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
  if (failed >= 0) {
    const reason = (outcomes[failed] as PromiseRejectedResult).reason;
    if (reason instanceof CancelledError) throw reason;
    const object = work[failed]!.object;
    const source = settings.sourceOf(object);
    throw new DriftObjectError(objectRef(object), `apply failed: ${(reason as Error).message}`, { cause: reason, retryable: reason instanceof ClusterApiError && reason.retryable, ...(source ? { source } : {}) });
  }
}

async function writeOne(client: ClusterClient, planned: PlannedObject, settings: ResolvedOptions): Promise<ChangeSetEntry> {
  const ref = objectRef(planned.object);
  const apply = (object: KubeObject): Promise<KubeObject> => client.apply(object, { fieldManager: settings.fieldManager, force: true, signal: settings.signal });
  switch (planned.action) {
    case 'skip':
      return changeEntry(ref, 'skipped', planned.reason);
    case 'unchanged':
      return changeEntry(ref, 'unchanged');
    case 'create':
      await apply(planned.plan!.desired);
      return changeEntry(ref, 'created');
    case 'recreate':
      await client.delete(ref, { propagationPolicy: 'Background', signal: settings.signal });
      await waitUntilGone(client, ref, settings);
      await apply(planned.object);
      return changeEntry(ref, 'recreated', 'immutable field changed');
    case 'update': {
      const plan = planned.plan!;
      if (applyPolicyOf(planned.object) === 'Override' && plan.live && hasClaimedFields(plan.live, settings.takeOwnershipFrom)) {
        await takeClaimedFields(client, plan.live, { fieldManager: settings.fieldManager, managers: settings.takeOwnershipFrom, signal: settings.signal });
      }
      await apply(plan.desired);
      return changeEntry(ref, 'configured');
    }
  }
}

async function waitUntilGone(client: ClusterClient, ref: ObjectRef, settings: ResolvedOptions): Promise<void> {
  const deadline = Date.now() + settings.timeout;
  while (await client.get(ref, { signal: settings.signal })) {
    if (Date.now() > deadline) throw new DriftObjectError(ref, `was deleted to be recreated but is still terminating after ${settings.timeout} ms`, { retryable: true });
    await abortableSleep(200, settings.signal);
  }
}

async function waitForCrds(client: ClusterClient, first: readonly KubeObject[], settings: ResolvedOptions): Promise<void> {
  const crds = first.filter((object) => object.kind === 'CustomResourceDefinition');
  const deadline = Date.now() + settings.timeout;
  await settleConcurrently(crds, settings.concurrency, async (crd) => {
    const ref = objectRef(crd);
    for (;;) {
      const live = await client.get(ref, { signal: settings.signal });
      const conditions = ((live?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
      if (conditions.some((condition) => condition.type === 'Established' && condition.status === 'True') && (await servesKinds(client, crd, settings.signal))) return;
      if (Date.now() > deadline) throw new DriftObjectError(ref, `is not Established after ${settings.timeout} ms`, { retryable: true });
      await abortableSleep(100, settings.signal);
    }
  }).then((outcomes) => {
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
}

/** Whether discovery serves every version of a CRD yet (it may lag behind `Established`). */
async function servesKinds(client: ClusterClient, crd: KubeObject, signal: AbortSignal | undefined): Promise<boolean> {
  const spec = (crd['spec'] ?? {}) as { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[] };
  for (const version of (spec.versions ?? []).filter((item) => item.served !== false)) {
    const apiVersion = `${spec.group}/${version.name}`;
    client.resetDiscovery(apiVersion);
    try {
      await client.isNamespaced(apiVersion, spec.names?.kind ?? '', signal);
    } catch (error) {
      if (error instanceof ClusterApiError && error.code === 404) return false;
      throw error;
    }
  }
  return true;
}
