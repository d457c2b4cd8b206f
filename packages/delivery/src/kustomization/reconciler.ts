import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  type ObjectRef,
  type ReconcileContext,
  type Result,
  ConfigMapKind,
  Reconciler,
  SecretKind,
  done,
  describeObject,
  formatDuration,
  isNotFoundError,
  objectRef,
  parseApiVersion,
  parseDuration,
  requeueAfter,
} from '@weft/reconcile-core';
import { type GitRepository, GitRepositoryKind } from '@weft/git-source';
import { KustomizeError } from '@weft/kustomize-lite';
import {
  type AppliedSet,
  type DriftEvent,
  type PipelineOutcome,
  type RemediationMode,
  CancelledError,
  InvalidIgnoreRuleError,
  PruneError,
  compileIgnoreRules,
  countChanges,
  describeOwner,
  inventoryEntryRef,
  mergeInventories,
  prune,
  summarizeChangeSet,
  wait,
} from '@weft/drift';
import { ArtifactReader } from '../artifact/artifact-reader.js';
import { ArtifactError } from '../artifact/artifact-error.js';
import { KustomizationDelivery } from './delivery.js';
import { type Kustomization, type KustomizationSpec, type KustomizationStatus } from './kustomization.js';
import { KustomizationStatusWriter } from './status.js';
import { claimStands, conflictsOf, describeConflicts, keptForAnother, ownerOfKustomization } from './ownership-conflicts.js';
import { SourceCache } from './source-cache.js';
import type { SourceRevision } from '../source.js';

/** The field manager of Weft's Kustomization applies (Flux's is `kustomize-controller`). */
export const KUSTOMIZE_FIELD_MANAGER = 'weft-kustomize';

/** Options of {@link KustomizationReconciler}. */
export interface KustomizationReconcilerOptions {
  /** Reads source artifacts; default an {@link ArtifactReader} without storage (artifacts fetched by URL). */
  artifacts?: ArtifactReader;
  /** The server-side apply field manager. @defaultValue {@link KUSTOMIZE_FIELD_MANAGER} */
  fieldManager?: string;
  /** The namespace the controller watches (its GitRepository cache watches the same one). @defaultValue all namespaces */
  namespace?: string;
  /**
   * Watch applied objects for drift between intervals (`spec.driftDetection.mode` `revert` or
   * `report`). With false, drift is corrected only by the re-apply of each interval, as in Flux.
   * @defaultValue true
   */
  driftWatch?: boolean;
  /** Called with every drift event of every Kustomization (`namespace/name`). */
  onDrift?: (key: string, event: DriftEvent) => void;
  /** How often a health check reads the objects it waits on (Flux's is 5 s). @defaultValue '1s' */
  healthPollInterval?: string;
}

/** A reconcile step failed: the reason is Flux's `Ready=False` reason. */
class StepFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    /** `quiet`: logged, no Event (as Flux, for a source that is not there or not ready yet). */
    readonly options: { stalled?: boolean; quiet?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

/** A newer source revision arrived while a health check waited on the old one. */
class SupersededError extends Error {
  constructor(readonly revision: string) {
    super(`superseded by revision ${revision}`);
  }
}

/** What the last reconcile of a key left behind, to tell our own status write from a real change. */
interface LastReconcile {
  /** The Kustomization's resourceVersions it started from and its own status writes made. */
  readonly resourceVersions: ReadonlySet<string>;
  readonly generation: number | undefined;
  /** The source revision it worked on. */
  readonly revision: string | undefined;
  /** When the next reconcile is due (interval or retryInterval after it ended). */
  readonly due: number;
  readonly reason: string;
}

/** One reconcile: the object, its context, and the status it is writing. */
interface Run {
  readonly kustomization: Kustomization;
  readonly context: ReconcileContext<Kustomization>;
  readonly key: string;
  readonly namespace: string;
  readonly spec: KustomizationSpec;
  readonly generation: number | undefined;
  readonly interval: number;
  readonly retryInterval: number;
  readonly timeout: number;
  readonly started: number;
  readonly status: KustomizationStatusWriter;
  revision?: string;
  /** Whether this revision or generation is new: progress is announced (and written) once, not on every retry. */
  newWork?: boolean;
}

/**
 * The reconciler of `Kustomization` objects: Flux's kustomize-controller behaviour, built on the
 * {@link deliveryPipeline} (one per Kustomization: `kustomizeBuild` → `applySet` → `correctDrift`).
 *
 * @remarks
 * Each reconcile is a short list of steps, each with its `Ready=False` reason:
 * suspended → nothing; `spec.driftDetection.ignore` parses (else `InvalidDriftDetection`, stalled);
 * the `sourceRef` GitRepository has an artifact (else `ArtifactFailed`), read from a cache of
 * GitRepositories, not by a request per reconcile; `dependsOn` are Ready and, when they share the
 * source, at the same revision (else `DependencyNotReady`); the revision goes through the
 * Kustomization's pipeline: build (else `BuildFailed`, or `ArtifactFailed` for an unreadable
 * artifact), apply of the whole set, dry-run first, so a broken commit changes nothing (else
 * `ReconciliationFailed`), prune (else `PruneFailed`); `wait`/`healthChecks` within `timeout`
 * (else `HealthCheckFailed`; given up at once when the source moves on, Flux's
 * kustomize-controller #701); then `lastAppliedRevision` and `Ready=True` — or `Ready=False`
 * `OwnershipConflict` when an object it declares is another Kustomization's (by the ownership
 * labels every applied object carries), or one it holds is declared by another: reported on both,
 * never fought over. Drift correction of the applied revision runs between reconciles.
 * Failures requeue after `retryInterval`; success after `interval`. Conditions are kstatus
 * (`Ready`, `Reconciling`, `Stalled`, plus `Healthy`). Deleting a Kustomization with `prune: true`
 * deletes what it applied (finalizer). Call {@link KustomizationReconciler.close} to stop the
 * pipelines and the GitRepository cache.
 *
 * @example
 * ```ts
 * import { ArtifactReader, KustomizationReconciler, kustomizationController } from '@weft/delivery';
 *
 * const reconciler = new KustomizationReconciler({ artifacts: new ArtifactReader({ storage }) });
 * manager.add(kustomizationController({ concurrency: 4 }).reconcile(reconciler));
 * ```
 */
export class KustomizationReconciler extends Reconciler<Kustomization> {
  private readonly artifacts: ArtifactReader;
  private readonly fieldManager: string;
  private readonly deliveries = new Map<string, KustomizationDelivery>();
  private readonly lastReconcile = new Map<string, LastReconcile>();
  private sources: SourceCache | undefined;

  constructor(private readonly options: KustomizationReconcilerOptions = {}) {
    super();
    this.artifacts = options.artifacts ?? new ArtifactReader();
    this.fieldManager = options.fieldManager ?? KUSTOMIZE_FIELD_MANAGER;
  }

  /** Stops every Kustomization's pipeline (drift correction included) and the GitRepository cache. */
  close(): void {
    for (const delivery of this.deliveries.values()) delivery.close();
    this.deliveries.clear();
    this.sources?.close();
    this.sources = undefined;
  }

  override async reconcile(kustomization: Kustomization, context: ReconcileContext<Kustomization>): Promise<Result | void> {
    const run = this.start(kustomization, context);
    if (run.spec.suspend) return this.suspend(run);
    const ownWrite = this.wokenByOwnStatusWrite(run);
    if (ownWrite) return ownWrite;
    try {
      checkDriftDetection(run.spec);
      const source = await this.readSource(run);
      this.checkDependencies(run, source);
      await this.announce(run, source);
      const applied = await this.deliver(run, source);
      await this.checkHealth(run, applied);
      return await this.succeed(run, applied);
    } catch (error) {
      return this.fail(run, error);
    }
  }

  /** Deletes what a pruning Kustomization applied when it is deleted (Flux's garbage collection on delete). */
  override async finalize(kustomization: Kustomization, context: ReconcileContext<Kustomization>): Promise<void> {
    const key = keyOf(kustomization);
    this.stopDelivery(key);
    this.lastReconcile.delete(key);
    if (!kustomization.spec.prune || kustomization.spec.suspend) return;
    const inventory = kustomization.status?.inventory;
    if (!inventory || inventory.entries.length === 0) return;
    const pruned = await prune(context.client, inventory, { entries: [] }, { fieldManager: this.fieldManager, owner: ownerOfKustomization(kustomization), keep: keptForAnother(kustomization, context.store), signal: context.signal });
    context.logger.info({ deleted: pruned.entries.filter((entry) => entry.action === 'deleted').length }, 'garbage collected the inventory of a deleted Kustomization');
  }

  private start(kustomization: Kustomization, context: ReconcileContext<Kustomization>): Run {
    const spec = kustomization.spec;
    const interval = parseDuration(spec.interval);
    const status = new KustomizationStatusWriter(kustomization, context);
    const handled = requestedAt(kustomization);
    if (handled !== undefined) status.current.lastHandledReconcileAt = handled;
    return {
      kustomization,
      context,
      key: keyOf(kustomization),
      namespace: kustomization.metadata.namespace ?? 'default',
      spec,
      generation: kustomization.metadata.generation,
      interval,
      retryInterval: spec.retryInterval ? parseDuration(spec.retryInterval) : interval,
      // Flux's default: the interval less 30 s, at least 30 s. A timeout that is set is taken as set
      // (Flux raises one under 30 s to 30 s; see the README's differences).
      timeout: spec.timeout ? parseDuration(spec.timeout) : Math.max(30_000, interval - 30_000),
      started: Date.now(),
      status,
    };
  }

  private suspend(run: Run): Result {
    this.stopDelivery(run.key);
    this.lastReconcile.delete(run.key);
    run.context.logger.debug('suspended; skipping');
    return done;
  }

  /**
   * Our own status writes come back as changes of the object (reconcile-core triggers on every
   * change, as a controller without Flux's GenerationChangedPredicate): a reconcile woken by one
   * of them is skipped until the next interval, unless the source moved or a dependency may have
   * become ready.
   */
  private wokenByOwnStatusWrite(run: Run): Result | undefined {
    const previous = this.lastReconcile.get(run.key);
    if (!previous || previous.generation !== run.generation || !previous.resourceVersions.has(run.kustomization.metadata.resourceVersion ?? '')) return undefined;
    // A reconcile request not yet handled always runs: it may have arrived during the last run, whose status write then came after it.
    const requested = requestedAt(run.kustomization);
    if (requested !== undefined && requested !== run.kustomization.status?.lastHandledReconcileAt) return undefined;
    if (previous.reason === 'DependencyNotReady' || previous.reason === 'OwnershipConflict' || Date.now() >= previous.due) return undefined;
    const source = this.cachedSource(run);
    if (source?.status?.artifact?.revision !== previous.revision) return undefined;
    return requeueAfter(previous.due - Date.now());
  }

  /** Step: the `sourceRef` GitRepository, with an artifact, from the cache. */
  private async readSource(run: Run): Promise<SourceRevision> {
    const ref = run.spec.sourceRef;
    const namespace = ref.namespace ?? run.namespace;
    if (ref.kind !== 'GitRepository') throw new StepFailure('ArtifactFailed', `source kind '${ref.kind}' is not supported (only GitRepository)`, { stalled: true });
    const sources = this.sourceCache(run.context);
    let source: GitRepository | undefined;
    if (sources.covers(namespace)) source = await sources.get(namespace, ref.name, run.context.signal);
    else source = await run.context.client.get(GitRepositoryKind, ref.name, { namespace, signal: run.context.signal }).catch((error: unknown) => (isNotFoundError(error) ? undefined : Promise.reject(error)));
    // As Flux's kustomize-controller: a source not there yet, or without an artifact yet, is a
    // condition and a log line, not a Warning event (the usual state for a moment at start-up).
    if (!source) throw new StepFailure('ArtifactFailed', `Source 'GitRepository/${namespace}/${ref.name}' not found`, { quiet: true });
    const artifact = source.status?.artifact;
    if (!artifact) throw new StepFailure('ArtifactFailed', `Source 'GitRepository/${namespace}/${ref.name}' is not ready, artifact not found`, { quiet: true });
    run.revision = artifact.revision;
    return { ok: true, stage: 'source', revision: artifact.revision, artifact };
  }

  /** Step: Flux's dependency check, from the controller's store: each dependency Ready for its generation and, when it shares our source, at the source's revision. */
  private checkDependencies(run: Run, source: SourceRevision): void {
    const sourceRef = run.spec.sourceRef;
    for (const dependency of run.spec.dependsOn ?? []) {
      const namespace = dependency.namespace ?? run.namespace;
      const subject = `${namespace}/${dependency.name}`;
      const found = run.context.store.get({ namespace, name: dependency.name });
      if (!found) throw new StepFailure('DependencyNotReady', `dependency '${subject}' not found`);
      const ready = found.status?.conditions?.find((condition) => condition.type === 'Ready');
      if (found.spec.suspend || ready?.status !== 'True' || found.status?.observedGeneration !== found.metadata.generation) {
        throw new StepFailure('DependencyNotReady', `dependency '${subject}' is not ready`);
      }
      const sameSource = found.spec.sourceRef.kind === sourceRef.kind && found.spec.sourceRef.name === sourceRef.name && (found.spec.sourceRef.namespace ?? namespace) === (sourceRef.namespace ?? run.namespace);
      if (sameSource && found.status?.lastAppliedRevision !== source.revision) throw new StepFailure('DependencyNotReady', `dependency '${subject}' revision is not up to date`);
    }
  }

  /** Step: `Reconciling=True` and `Ready=Unknown`, written once per revision and generation, not on every retry (each write is a change that triggers). */
  private async announce(run: Run, source: SourceRevision): Promise<void> {
    const status = run.status.current;
    const previous = this.lastReconcile.get(run.key);
    run.newWork = status.lastAttemptedRevision !== source.revision || (previous?.generation ?? status.observedGeneration) !== run.generation;
    status.lastAttemptedRevision = source.revision;
    if (!run.newWork) return;
    run.status.set({ type: 'Reconciling', status: 'True', reason: 'Progressing', message: `Reconciliation in progress for revision ${source.revision}` });
    run.status.set({ type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress' });
    await run.status.write();
  }

  /**
   * Step: the revision through the Kustomization's pipeline (build, apply, prune; drift correction
   * follows). Undefined when nothing needed applying (`report` mode, already applied: a re-apply
   * would revert the drift it only reports).
   */
  private async deliver(run: Run, source: SourceRevision): Promise<AppliedSet | undefined> {
    const status = run.status.current;
    const mode = driftMode(run.spec);
    const delivery = this.delivery(run, mode);
    // A fresh pipeline applies once even so: drift correction guards only what it saw applied.
    const upToDate = mode === 'report' && status.lastAppliedRevision === source.revision && status.observedGeneration === run.generation && isReady(status) && !delivery.fresh;
    if (upToDate) return undefined;
    let result;
    try {
      result = await delivery.delivery.deliver(source, run.context.signal);
    } catch (error) {
      // Aborted (timeout or shutdown): the revision's work is aborted with the pipeline.
      this.stopDelivery(run.key);
      throw error;
    }
    if (!result.ok) {
      const error = result.error;
      if (result.applied) status.inventory = mergeInventories(result.applied.result.inventory, status.inventory);
      if (error instanceof ArtifactError) throw new StepFailure('ArtifactFailed', error.message, { cause: error });
      if (error instanceof KustomizeError) throw new StepFailure('BuildFailed', `kustomize build failed for revision ${source.revision}: ${error.message}`, { cause: error });
      if (error instanceof PruneError) throw new StepFailure('PruneFailed', `prune failed: ${error.message}`, { cause: error });
      if (result.stage === 'apply') throw new StepFailure('ReconciliationFailed', `apply of revision ${source.revision} failed: ${error.message}`, { cause: error });
      throw new StepFailure('ReconciliationFailed', error.message, { cause: error });
    }
    status.inventory = { entries: [...result.result.inventory.entries] };
    const pruned = summarizeChangeSet(result.pruned);
    if (pruned) run.context.recorder?.event(run.kustomization, 'Normal', 'Progressing', `pruned:\n${pruned}`);
    const summary = summarizeChangeSet(result.result);
    if (summary) run.context.recorder?.event(run.kustomization, 'Normal', 'Progressing', summary);
    return result;
  }

  /** Step: `wait` (every applied object) or `healthChecks` (the listed ones), within `timeout`; given up when the source moves on. */
  private async checkHealth(run: Run, applied: AppliedSet | undefined): Promise<void> {
    const { spec, status } = run;
    const objects = applied?.objects ?? [];
    const refs: ObjectRef[] = spec.wait
      ? applied
        ? objects.map((object) => objectRef(object))
        : (status.current.inventory?.entries ?? []).map((entry) => inventoryEntryRef(entry))
      : (spec.healthChecks ?? []).map((check) => ({
          ...parseApiVersion(check.apiVersion ?? defaultApiVersion(check.kind)),
          kind: check.kind,
          name: check.name,
          // As Flux: without a namespace the reference is local to the Kustomization's namespace.
          namespace: check.namespace ?? run.namespace,
        }));
    if (refs.length === 0) {
      status.remove('Healthy');
      return;
    }
    if (run.newWork) {
      status.set({ type: 'Reconciling', status: 'True', reason: 'Progressing', message: `Running health checks for revision ${run.revision} with a timeout of ${formatDuration(run.timeout)}` });
      await status.write();
    }
    const files = new Map(objects.map((object) => [describeObject(objectRef(object)), applied?.sourceOf?.(object)]));
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const onAbort = () => stop.abort(run.context.signal.reason);
    run.context.signal.addEventListener('abort', onAbort, { once: true });
    const sourceRef = spec.sourceRef;
    const stopListening = this.sourceCache(run.context).onChange(sourceRef.namespace ?? run.namespace, sourceRef.name, (repository) => {
      const newer = repository.status?.artifact?.revision;
      if (newer !== undefined && newer !== run.revision) stop.abort(new SupersededError(newer));
    });
    try {
      const result = await wait(run.context.client, refs, { timeout: run.timeout, interval: parseDuration(this.options.healthPollInterval ?? '1s'), signal: stop.signal });
      if (result.healthy) {
        status.set({ type: 'Healthy', status: 'True', reason: 'Succeeded', message: 'Health check passed' });
        return;
      }
      const unhealthy = [...result.failed, ...result.progressing].map((item) => `${item.subject}${files.get(item.subject) ? ` (from ${files.get(item.subject)})` : ''}: ${item.reason}`).join('; ');
      const message = `health check failed after ${formatDuration(run.timeout)}${result.timedOut ? ', timeout waiting for' : ''}: ${unhealthy}`;
      status.set({ type: 'Healthy', status: 'False', reason: 'HealthCheckFailed', message });
      throw new StepFailure('HealthCheckFailed', message);
    } catch (error) {
      if (stop.signal.reason instanceof SupersededError && (error instanceof CancelledError || stop.signal.aborted)) throw stop.signal.reason;
      throw error;
    } finally {
      stopListening();
      run.context.signal.removeEventListener('abort', onAbort);
      stop.abort();
    }
  }

  /** Step: `lastAppliedRevision` and `Ready=True`, or `Ready=False` `OwnershipConflict` naming the other Kustomization. */
  private async succeed(run: Run, applied: AppliedSet | undefined): Promise<Result> {
    const { status } = run;
    const current = status.current;
    current.lastAppliedRevision = run.revision!;
    current.observedGeneration = run.generation ?? 0;
    const conflicts = conflictsOf(run.kustomization, applied?.result, current.inventory, run.context.store);
    if (conflicts.length > 0) current.conflicts = conflicts;
    else delete current.conflicts;
    status.remove('Reconciling', 'Stalled');
    if (conflicts.length > 0) {
      const message = describeConflicts(conflicts);
      status.set({ type: 'Ready', status: 'False', reason: 'OwnershipConflict', message });
      await status.write();
      if (run.newWork || applied?.result.conflicts.length) run.context.recorder?.event(run.kustomization, 'Warning', 'OwnershipConflict', message);
      return this.finish(run, 'OwnershipConflict', run.interval);
    }
    status.set({ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: `Applied revision: ${run.revision}` });
    await status.write();
    if (run.newWork || (applied && countChanges(applied.result).unchanged !== applied.result.entries.length)) {
      run.context.recorder?.event(run.kustomization, 'Normal', 'ReconciliationSucceeded', `Reconciliation finished in ${formatDuration(Date.now() - run.started)}, next run in ${formatDuration(run.interval)}`);
    }
    return this.finish(run, 'ReconciliationSucceeded', run.interval);
  }

  private async fail(run: Run, error: unknown): Promise<Result> {
    if (run.context.signal.aborted) throw error;
    if (error instanceof SupersededError) {
      // A newer revision arrived during the health check: start over with it at once.
      this.lastReconcile.delete(run.key);
      return requeueAfter(0);
    }
    const failure = error instanceof StepFailure ? error : new StepFailure('ReconciliationFailed', (error as Error).message ?? String(error), { cause: error });
    const { status } = run;
    // As Flux: a transient failure leaves observedGeneration alone (dependents and kstatus see the
    // generation as not yet reconciled); a stall is final for this generation.
    if (failure.options.stalled) status.current.observedGeneration = run.generation ?? 0;
    if (run.revision !== undefined && failure.reason !== 'DependencyNotReady' && failure.reason !== 'ArtifactFailed') status.current.lastAttemptedRevision = run.revision;
    status.set({ type: 'Ready', status: 'False', reason: failure.reason, message: failure.message });
    if (failure.options.stalled) {
      status.remove('Reconciling');
      status.set({ type: 'Stalled', status: 'True', reason: failure.reason, message: failure.message });
    } else {
      status.remove('Stalled');
      status.set({ type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: `retrying in ${formatDuration(run.retryInterval)} after ${failure.reason}` });
    }
    await status.write();
    if (!failure.options.quiet) run.context.recorder?.event(run.kustomization, failure.reason === 'DependencyNotReady' ? 'Normal' : 'Warning', failure.reason, failure.message);
    run.context.logger.info({ reason: failure.reason, revision: run.revision }, failure.message);
    return this.finish(run, failure.reason, failure.options.stalled ? undefined : run.retryInterval);
  }

  private finish(run: Run, reason: string, delay: number | undefined): Result {
    if (delay === undefined) this.lastReconcile.delete(run.key);
    else this.lastReconcile.set(run.key, { resourceVersions: run.status.resourceVersions, generation: run.generation, revision: run.revision, due: Date.now() + delay, reason });
    return delay === undefined ? done : requeueAfter(delay);
  }

  /** The Kustomization's pipeline, built again when the settings it was built for changed. */
  private delivery(run: Run, mode: RemediationMode | 'disabled'): { delivery: KustomizationDelivery; fresh: boolean } {
    const { kustomization, context, spec } = run;
    const drift = mode === 'disabled' || this.options.driftWatch === false ? false : mode;
    const settings = createHash('sha256')
      .update(JSON.stringify([spec.path, spec.targetNamespace, spec.postBuild, spec.prune, spec.force === true, spec.driftDetection?.ignore ?? [], drift, run.timeout]))
      .digest('hex');
    const existing = this.deliveries.get(run.key);
    if (existing && existing.settings === settings && !existing.stopped) return { delivery: existing, fresh: false };
    existing?.close();
    const client = context.client;
    const owner = ownerOfKustomization(kustomization);
    const recorder = context.recorder;
    const logger = context.logger;
    const namespace = run.namespace;
    const delivery = new KustomizationDelivery(
      client,
      settings,
      {
        owner,
        fieldManager: this.fieldManager,
        artifacts: this.artifacts,
        ...(spec.path !== undefined ? { path: spec.path } : {}),
        ...(spec.targetNamespace !== undefined ? { targetNamespace: spec.targetNamespace } : {}),
        ...(spec.postBuild
          ? {
              postBuild: {
                ...(spec.postBuild.substitute ? { substitute: spec.postBuild.substitute } : {}),
                ...(spec.postBuild.substituteFrom ? { substituteFrom: spec.postBuild.substituteFrom } : {}),
                getObject: (reference, options) => this.readVariables(context, namespace, reference, options.signal),
              },
            }
          : {}),
        prune: spec.prune,
        force: spec.force === true,
        ignore: spec.driftDetection?.ignore ?? [],
        timeout: run.timeout,
        drift,
        // Events on the Kustomization (below), not on each object.
        recordEvents: false,
        ...(kustomization.status?.inventory ? { inventory: kustomization.status.inventory } : {}),
        claimStands: (claimant, ref) => claimStands(claimant, ref, context.store, context.client, context.signal),
        keepOnPrune: (ref) => keptForAnother(kustomization, context.store)(ref),
      },
      (outcome) => this.reportDrift(run.key, kustomization, outcome, { recorder, logger }),
    );
    this.deliveries.set(run.key, delivery);
    return { delivery, fresh: true };
  }

  private reportDrift(key: string, kustomization: Kustomization, outcome: PipelineOutcome, sinks: { recorder: ReconcileContext['recorder']; logger: ReconcileContext['logger'] }): void {
    if (outcome.ok && outcome.stage !== 'drift') return;
    const event: DriftEvent = outcome.ok && outcome.stage === 'drift' ? outcome.event : { type: 'error', error: (outcome as { error: Error }).error };
    this.options.onDrift?.(key, event);
    if (event.type === 'drifted') {
      const paths = event.diff.status === 'missing' ? 'deleted' : event.diff.changes.map((change) => change.path).join(', ');
      const by = event.editedBy.length > 0 ? ` by ${event.editedBy.join(', ')}` : '';
      sinks.logger.info({ object: event.subject, editedBy: event.editedBy }, 'drift detected');
      sinks.recorder?.event(kustomization, 'Warning', 'DriftDetected', `${event.subject} edited${by}: ${paths}`);
    } else if (event.type === 'reverted') {
      sinks.logger.info({ object: event.subject }, 'drift reverted');
      sinks.recorder?.event(kustomization, 'Normal', 'DriftReverted', `${event.subject} ${event.change.action} to the applied revision ${outcome.revision ?? ''}`.trim());
    } else if (event.type === 'claimed') {
      sinks.logger.warn({ object: event.subject, owner: describeOwner(event.owner) }, 'an applied object is now labelled for another Kustomization; left alone');
      sinks.recorder?.event(kustomization, 'Warning', 'OwnershipConflict', `${event.subject} is owned by Kustomization ${describeOwner(event.owner)} (its ownership labels), left to it`);
    } else if (event.type === 'error') {
      sinks.logger.warn({ object: event.subject, err: event.error }, 'drift check failed');
    }
  }

  private stopDelivery(key: string): void {
    this.deliveries.get(key)?.close();
    this.deliveries.delete(key);
  }

  private sourceCache(context: ReconcileContext<Kustomization>): SourceCache {
    this.sources ??= new SourceCache(context.transport, this.options.namespace);
    return this.sources;
  }

  /** The source as the cache holds it right now (undefined before its first list). */
  private cachedSource(run: Run): GitRepository | undefined {
    const ref = run.spec.sourceRef;
    const namespace = ref.namespace ?? run.namespace;
    const sources = this.sourceCache(run.context);
    return sources.covers(namespace) ? sources.peek(namespace, ref.name) : undefined;
  }

  private async readVariables(context: ReconcileContext<Kustomization>, namespace: string, reference: { kind: 'ConfigMap' | 'Secret'; name: string }, signal: AbortSignal | undefined) {
    try {
      const kind = reference.kind === 'Secret' ? SecretKind : ConfigMapKind;
      return (await context.client.get(kind, reference.name, { namespace, signal: signal ?? context.signal })) as never;
    } catch (error) {
      if (isNotFoundError(error)) return undefined;
      throw error;
    }
  }
}

/** Step: the ignore rules parse (a stall: retrying cannot help). */
function checkDriftDetection(spec: KustomizationSpec): void {
  try {
    compileIgnoreRules(spec.driftDetection?.ignore);
  } catch (error) {
    if (error instanceof InvalidIgnoreRuleError) throw new StepFailure('InvalidDriftDetection', `spec.driftDetection.ignore: ${error.message}`, { stalled: true, cause: error });
    throw error;
  }
}

function keyOf(kustomization: Kustomization): string {
  return `${kustomization.metadata.namespace ?? 'default'}/${kustomization.metadata.name}`;
}

function isReady(status: KustomizationStatus): boolean {
  return status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true;
}

function driftMode(spec: KustomizationSpec): RemediationMode | 'disabled' {
  const mode = spec.driftDetection?.mode ?? 'revert';
  if (mode === 'enabled') return 'revert';
  if (mode === 'warn') return 'report';
  return mode;
}

/** The apiVersion of a health check that names none: the built-in kinds users check most. */
function defaultApiVersion(kind: string): string {
  return ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(kind) ? 'apps/v1' : kind === 'Job' ? 'batch/v1' : 'v1';
}

/** The manual reconcile request: `reconcile.weft.dev/requestedAt`, or Flux's `reconcile.fluxcd.io/requestedAt`. */
function requestedAt(kustomization: Kustomization): string | undefined {
  const annotations = kustomization.metadata.annotations ?? {};
  return annotations['reconcile.weft.dev/requestedAt'] ?? annotations['reconcile.fluxcd.io/requestedAt'];
}
