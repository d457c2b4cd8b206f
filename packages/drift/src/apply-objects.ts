import { describeObject, isCancelledError, isNotFoundError, isUnknownKindError, objectRef, inventoryId, KubeApiError, type KubeClient, type KubeObject, type ObjectRef } from '@weft/reconcile-core';
import { applyPolicyOf, forceRequested } from './annotations.js';
import { settleConcurrently } from './bounded-concurrency.js';
import { changeEntry, type ChangeSet, type ChangeSetEntry } from './changeset.js';
import { dryRunObject, type DryRunPlan } from './dry-run.js';
import { DriftObjectError, DryRunError, ImmutableFieldError, InvalidSetError } from './errors.js';
import { compileIgnoreRules, type CompiledIgnoreRules, type IgnoreRule } from './ignore.js';
import { inventoryOf, type Inventory } from './inventory.js';
import { prefetchLiveObjects } from './live-objects.js';
import { ownWrites, type ApplyWindow } from './own-writes.js';
import { claimedByAnother, describeOwner, withOwnerLabels, type SetOwner } from './ownership.js';
import { applyLive, cancelled, deleteLive, getLive, isNamespaced, pause, setTarget } from './requests.js';
import { hasClaimedFields, kubectlManagers, takeClaimedFields } from './take-ownership.js';

/** Options of {@link applySet}. */
export interface ApplySetOptions {
  /** The server-side apply field manager. Default `weft`. */
  readonly fieldManager?: string;
  /**
   * Who applies the set (a Kustomization, or your pipeline's name): written as ownership labels
   * (`weft.dev/name`, `weft.dev/namespace`) on every object. An object whose labels name another
   * owner is left alone (`skipped`, and listed in `conflicts`), never fought over. Default: none
   * (no labels, no ownership check).
   */
  readonly owner?: SetOwner;
  /**
   * Whether the owner a live object's labels name still declares it. When it returns false the
   * set adopts the object instead of reporting a conflict (its owner gave it up). Default: always true.
   */
  readonly claimStands?: (claimant: SetOwner, ref: ObjectRef) => boolean | Promise<boolean>;
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

/** An object of the set that another owner's labels claim: left alone. */
export interface OwnershipConflict {
  readonly ref: ObjectRef;
  /** `Kind/namespace/name`. */
  readonly subject: string;
  /** The owner its labels name. */
  readonly owner: SetOwner;
}

/** The result of {@link applySet}: what happened to each object, and the inventory to store for pruning. */
export interface ApplySetResult extends ChangeSet {
  /** Every object the set holds and applied (objects with apply policy `Ignore`, and conflicts, left out). */
  readonly inventory: Inventory;
  /** The objects as sent (ownership labels added), without those another owner claims: what drift correction guards. */
  readonly objects: readonly KubeObject[];
  /** Objects another owner's labels claim (not written, not in the inventory). */
  readonly conflicts: readonly OwnershipConflict[];
}

/** What the dry run decided for one object. */
interface PlannedObject {
  readonly object: KubeObject;
  readonly action: 'create' | 'update' | 'unchanged' | 'recreate' | 'skip';
  readonly plan: DryRunPlan | undefined;
  readonly reason?: string;
  readonly conflict?: SetOwner;
}

interface ResolvedOptions {
  readonly dryRunGate: boolean;
  readonly fieldManager: string;
  readonly owner: SetOwner | undefined;
  readonly claimStands: (claimant: SetOwner, ref: ObjectRef) => boolean | Promise<boolean>;
  readonly force: boolean;
  readonly concurrency: number;
  readonly ignore: CompiledIgnoreRules;
  readonly takeOwnershipFrom: readonly string[];
  readonly timeout: number;
  readonly sourceOf: (object: KubeObject) => string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly window: ApplyWindow;
}

/** The staged, dry-run gated apply of {@link applySet} (see its guarantees). */
export async function applyObjects(client: KubeClient, objects: readonly KubeObject[], options: ApplySetOptions = {}): Promise<ApplySetResult> {
  checkSet(objects);
  const fieldManager = options.fieldManager ?? 'weft';
  const labelled = withOwnerLabels(objects, options.owner);
  // The labelled copy has no kustomize path annotation of its own: errors name the original's file.
  const original = new Map(labelled.map((object, index) => [object, objects[index]!]));
  const sourceOf = options.sourceOf ?? pathAnnotation;
  const window = ownWrites(client, fieldManager, options.owner).begin(labelled.map((object) => inventoryId(objectRef(object))));
  const settings: ResolvedOptions = {
    dryRunGate: options.dryRunGate ?? true,
    fieldManager,
    owner: options.owner,
    claimStands: options.claimStands ?? (() => true),
    force: options.force ?? false,
    concurrency: options.concurrency ?? 16,
    ignore: compileIgnoreRules(options.ignore),
    takeOwnershipFrom: options.takeOwnershipFrom ?? kubectlManagers,
    timeout: options.timeout ?? 60_000,
    sourceOf: (object) => sourceOf(original.get(object) ?? object),
    signal: options.signal,
    window,
  };
  try {
    return await applyLabelled(client, labelled, settings);
  } finally {
    window.end();
  }
}

async function applyLabelled(client: KubeClient, objects: readonly KubeObject[], settings: ResolvedOptions): Promise<ApplySetResult> {
  const skipped = objects.filter((object) => applyPolicyOf(object) === 'Ignore');
  const applied = objects.filter((object) => applyPolicyOf(object) !== 'Ignore');
  const [first, rest] = stages(applied);
  const entries = new Map<string, ChangeSetEntry>();
  const conflicts = new Map<string, OwnershipConflict>();
  for (const object of skipped) entries.set(inventoryId(objectRef(object)), changeEntry(objectRef(object), 'skipped', 'apply policy Ignore'));

  if (!settings.dryRunGate) {
    for (const stage of [first, rest]) {
      await applyStageDirectly(client, stage, settings, entries, conflicts);
      if (stage === first) await waitForCrds(client, first, settings);
    }
    return resultOf(objects, applied, entries, conflicts);
  }

  // Validate everything that can be validated before any write; objects that need stage one are deferred.
  const providedByFirst = stageOneProvides(first);
  const firstPlans = written(await planAll(client, first, settings, () => false));
  const restPlans = await planAll(client, rest, settings, (object, error) => providedByFirst(object) && (isNotFoundError(error) || isUnknownKindError(error)));
  const deferred = rest.filter((_, index) => restPlans[index] === 'deferred');
  for (const plan of [...firstPlans, ...written(restPlans)]) if (plan.conflict) conflicts.set(inventoryId(objectRef(plan.object)), conflictOf(plan.object, plan.conflict));

  if (deferred.length === 0) {
    await writeAll(client, firstPlans, settings, entries);
    await waitForCrds(client, first, settings);
    await writeAll(client, written(restPlans), settings, entries);
    return resultOf(objects, applied, entries, conflicts);
  }

  // Some objects cannot be dry-run until the Namespaces or CRDs they need exist: write those first,
  // dry-run the rest, and delete again what was created when that dry run fails.
  const needed = firstPlans.filter((plan) => plan.action === 'create' || (plan.action === 'update' && plan.object.kind === 'CustomResourceDefinition'));
  await writeAll(client, needed, settings, entries);
  await waitForCrds(client, needed.map((plan) => plan.object), settings);
  let laterPlans: PlannedObject[];
  try {
    laterPlans = written(await planAll(client, deferred, settings, () => false));
  } catch (error) {
    if (error instanceof DryRunError) throw await rollBack(client, error, needed, settings);
    throw error;
  }
  for (const plan of laterPlans) if (plan.conflict) conflicts.set(inventoryId(objectRef(plan.object)), conflictOf(plan.object, plan.conflict));
  await writeAll(client, firstPlans.filter((plan) => !needed.includes(plan)), settings, entries);
  await waitForCrds(client, first, settings);
  await writeAll(client, [...written(restPlans), ...laterPlans], settings, entries);
  return resultOf(objects, applied, entries, conflicts);
}

function resultOf(objects: readonly KubeObject[], applied: readonly KubeObject[], entries: ReadonlyMap<string, ChangeSetEntry>, conflicts: ReadonlyMap<string, OwnershipConflict>): ApplySetResult {
  const held = (object: KubeObject) => !conflicts.has(inventoryId(objectRef(object)));
  return {
    entries: objects.map((object) => entries.get(inventoryId(objectRef(object)))!).filter(Boolean),
    inventory: inventoryOf(applied.filter(held)),
    objects: objects.filter(held),
    conflicts: [...conflicts.values()],
  };
}

/**
 * Deletes again the stage-one objects this apply created (so the objects that need them could be
 * dry-run), after that dry run failed; changed CRDs stay changed (deleting one deletes its custom
 * resources). The returned error says what was undone and what could not be.
 */
async function rollBack(client: KubeClient, failure: DryRunError, needed: readonly PlannedObject[], settings: ResolvedOptions): Promise<DryRunError> {
  const created = needed.filter((plan) => plan.action === 'create');
  const changed = needed.filter((plan) => plan.action === 'update').map((plan) => describeObject(objectRef(plan.object)));
  const outcomes = await settleConcurrently(created, settings.concurrency, async (plan) => {
    const ref = objectRef(plan.object);
    await deleteLive(client, ref, { propagationPolicy: 'Background' });
    settings.window.deleted(inventoryId(ref));
    return describeObject(ref);
  });
  const deleted = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const left = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [`${describeObject(objectRef(created[index]!.object))} (${(outcome.reason as Error).message})`] : []));
  return new DryRunError(failure.failures, { rolledBack: deleted, notRolledBack: left, keptChanged: changed });
}

/**
 * Applies a stage without the dry-run gate: one apply per object, and the resourceVersion tells
 * `unchanged` (a no-op apply is not stored) from `configured`.
 */
async function applyStageDirectly(client: KubeClient, objects: readonly KubeObject[], settings: ResolvedOptions, entries: Map<string, ChangeSetEntry>, conflicts: Map<string, OwnershipConflict>): Promise<void> {
  const prefetched = await prefetchLiveObjects(client, objects, settings);
  const outcomes = await settleConcurrently(objects, settings.concurrency, async (object): Promise<ChangeSetEntry> => {
    const ref = objectRef(object);
    const id = inventoryId(ref);
    const known = prefetched.get(id);
    const live = known === undefined ? await getLive(client, ref, { signal: settings.signal }) : (known ?? undefined);
    const policy = applyPolicyOf(object);
    const claimant = claimedByAnother(live, settings.owner);
    if (claimant && (await settings.claimStands(claimant, ref))) {
      conflicts.set(id, conflictOf(object, claimant));
      return changeEntry(ref, 'skipped', `owned by ${describeOwner(claimant)}`);
    }
    if (policy === 'IfNotPresent' && live) return changeEntry(ref, 'skipped', 'apply policy IfNotPresent');
    if (policy === 'Override' && live && hasClaimedFields(live, settings.takeOwnershipFrom)) {
      settings.window.wrote(id, await takeClaimedFields(client, live, { fieldManager: settings.fieldManager, managers: settings.takeOwnershipFrom, signal: settings.signal }));
    }
    const sent = live && settings.ignore.appliesTo(live) ? structuredClone(object) : object;
    if (sent !== object) settings.ignore.strip(sent, live);
    try {
      const stored = await applyLive(client, sent, { fieldManager: settings.fieldManager, force: true, signal: settings.signal });
      settings.window.wrote(id, stored);
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
  if (settings.signal?.aborted) throw cancelled('apply', setTarget(objects.length), settings.signal);
  if (failures.length > 0) throw failures[0]!;
}

function pathAnnotation(object: KubeObject): string | undefined {
  return object.metadata.annotations?.['config.kubernetes.io/path'] ?? object.metadata.annotations?.['internal.config.kubernetes.io/path'];
}

function conflictOf(object: KubeObject, owner: SetOwner): OwnershipConflict {
  const ref = objectRef(object);
  return { ref, subject: describeObject(ref), owner };
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
  if (!(error instanceof KubeApiError) || error.code !== 422) return false;
  return immutablePattern.test(error.message) || error.causes.some((cause) => immutablePattern.test(cause.message ?? ''));
}

function written(plans: readonly (PlannedObject | 'deferred')[]): PlannedObject[] {
  return plans.filter((plan): plan is PlannedObject => plan !== 'deferred');
}

async function planAll(client: KubeClient, objects: readonly KubeObject[], settings: ResolvedOptions, defer: (object: KubeObject, error: unknown) => boolean): Promise<(PlannedObject | 'deferred')[]> {
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
  if (settings.signal?.aborted) throw cancelled('apply', setTarget(objects.length), settings.signal);
  if (failures.length > 0) throw new DryRunError(failures);
  return plans;
}

function objectError(object: KubeObject, error: unknown, settings: ResolvedOptions, verb = 'dry-run failed'): DriftObjectError {
  if (error instanceof DriftObjectError || isCancelledError(error)) return error as DriftObjectError;
  const source = settings.sourceOf(object);
  const ref = objectRef(object);
  const detail = error instanceof KubeApiError ? error.message.slice(error.message.indexOf(': ') + 2) : String((error as Error)?.message ?? error);
  const extra = source ? { source } : {};
  if (isImmutableError(error)) return new ImmutableFieldError(ref, `${verb}: ${detail} (set force or annotate weft.dev/force: enabled to recreate it)`, { cause: error, retryable: false, ...extra });
  return new DriftObjectError(ref, `${verb}: ${detail}`, { cause: error, retryable: error instanceof KubeApiError && error.retryable, ...extra });
}

async function planOne(client: KubeClient, object: KubeObject, settings: ResolvedOptions, prefetched: KubeObject | null | undefined): Promise<PlannedObject> {
  const policy = applyPolicyOf(object);
  const ref = objectRef(object);
  const live = prefetched === undefined ? await getLive(client, ref, { signal: settings.signal }) : (prefetched ?? undefined);
  const claimant = claimedByAnother(live, settings.owner);
  if (claimant && (await settings.claimStands(claimant, ref))) return { object, action: 'skip', plan: undefined, reason: `owned by ${describeOwner(claimant)}`, conflict: claimant };
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

async function writeAll(client: KubeClient, work: readonly PlannedObject[], settings: ResolvedOptions, entries: Map<string, ChangeSetEntry>): Promise<void> {
  const outcomes = await settleConcurrently(work, settings.concurrency, (planned) => writeOne(client, planned, settings));
  for (const [index, outcome] of outcomes.entries()) {
    const ref = objectRef(work[index]!.object);
    if (outcome.status === 'fulfilled') entries.set(inventoryId(ref), outcome.value);
  }
  const failed = outcomes.findIndex((outcome) => outcome.status === 'rejected');
  if (failed >= 0) {
    const reason = (outcomes[failed] as PromiseRejectedResult).reason;
    if (isCancelledError(reason)) throw reason;
    const object = work[failed]!.object;
    const source = settings.sourceOf(object);
    throw new DriftObjectError(objectRef(object), `apply failed: ${(reason as Error).message}`, { cause: reason, retryable: reason instanceof KubeApiError && reason.retryable, ...(source ? { source } : {}) });
  }
}

async function writeOne(client: KubeClient, planned: PlannedObject, settings: ResolvedOptions): Promise<ChangeSetEntry> {
  const ref = objectRef(planned.object);
  const id = inventoryId(ref);
  const apply = async (object: KubeObject): Promise<void> => {
    settings.window.wrote(id, await applyLive(client, object, { fieldManager: settings.fieldManager, force: true, signal: settings.signal }));
  };
  switch (planned.action) {
    case 'skip':
      return changeEntry(ref, 'skipped', planned.reason);
    case 'unchanged':
      // Found as the set wants it: this version is no drift either.
      settings.window.wrote(id, planned.plan?.live);
      return changeEntry(ref, 'unchanged');
    case 'create':
      await apply(planned.plan!.desired);
      return changeEntry(ref, 'created');
    case 'recreate':
      await deleteLive(client, ref, { propagationPolicy: 'Background', signal: settings.signal });
      settings.window.deleted(id);
      await waitUntilGone(client, ref, settings);
      await apply(planned.object);
      return changeEntry(ref, 'recreated', 'immutable field changed');
    case 'update': {
      const plan = planned.plan!;
      if (applyPolicyOf(planned.object) === 'Override' && plan.live && hasClaimedFields(plan.live, settings.takeOwnershipFrom)) {
        settings.window.wrote(id, await takeClaimedFields(client, plan.live, { fieldManager: settings.fieldManager, managers: settings.takeOwnershipFrom, signal: settings.signal }));
      }
      await apply(plan.desired);
      return changeEntry(ref, 'configured');
    }
  }
}

async function waitUntilGone(client: KubeClient, ref: ObjectRef, settings: ResolvedOptions): Promise<void> {
  const deadline = Date.now() + settings.timeout;
  while (await getLive(client, ref, { signal: settings.signal })) {
    if (Date.now() > deadline) throw new DriftObjectError(ref, `was deleted to be recreated but is still terminating after ${settings.timeout} ms`, { retryable: true });
    await pause(200, 'delete', ref, settings.signal);
  }
}

async function waitForCrds(client: KubeClient, first: readonly KubeObject[], settings: ResolvedOptions): Promise<void> {
  const crds = first.filter((object) => object.kind === 'CustomResourceDefinition');
  const deadline = Date.now() + settings.timeout;
  await settleConcurrently(crds, settings.concurrency, async (crd) => {
    const ref = objectRef(crd);
    for (;;) {
      const live = await getLive(client, ref, { signal: settings.signal });
      const conditions = (live?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      if (conditions.some((condition) => condition.type === 'Established' && condition.status === 'True') && (await servesKinds(client, crd, settings.signal))) return;
      if (Date.now() > deadline) throw new DriftObjectError(ref, `is not Established after ${settings.timeout} ms`, { retryable: true });
      await pause(100, 'get', ref, settings.signal);
    }
  }).then((outcomes) => {
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  });
}

/** Whether discovery serves every version of a CRD yet (it may lag behind `Established`). */
async function servesKinds(client: KubeClient, crd: KubeObject, signal: AbortSignal | undefined): Promise<boolean> {
  const spec = (crd['spec'] ?? {}) as { group?: string; names?: { kind?: string }; versions?: { name: string; served?: boolean }[] };
  for (const version of (spec.versions ?? []).filter((item) => item.served !== false)) {
    const apiVersion = `${spec.group}/${version.name}`;
    client.mapper.invalidate(apiVersion);
    try {
      await isNamespaced(client, apiVersion, spec.names?.kind ?? '', signal);
    } catch (error) {
      if (isNotFoundError(error) || isUnknownKindError(error)) return false;
      throw error;
    }
  }
  return true;
}
