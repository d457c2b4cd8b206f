import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import {
  type ControllerBuilder,
  type ControllerOptions,
  type KubeObject,
  type ObjectRef,
  type ReconcileContext,
  type Result,
  ConfigMapKind,
  Reconciler,
  SecretKind,
  anyOf,
  controller,
  predicates,
  describeObject,
  done,
  formatDuration,
  isNotFoundError,
  objectRef,
  parseApiVersion,
  parseDuration,
  requeueAfter,
} from '@weft/reconcile-core';
import { type GitRepository, GitRepositoryKind, type GitRepositoryArtifact, removeConditions, setCondition } from '@weft/git-source';
import { type KustomizeFs, KustomizeError } from '@weft/kustomize-lite';
import {
  type ApplySetResult,
  type DriftEvent,
  type Inventory,
  type RemediationMode,
  ClusterClient,
  CancelledError,
  InvalidIgnoreRuleError,
  applySet,
  compileIgnoreRules,
  countChanges,
  prune,
  summarizeChangeSet,
  wait,
  watchDrift,
} from '@weft/drift';
import type { Subscription } from 'rxjs';
import { ArtifactError, ArtifactReader } from './artifact-fs.js';
import { type BuiltManifests, buildManifests } from './build-manifests.js';
import { type Kustomization, KustomizationKind, type KustomizationSpec, type KustomizationStatus } from './kustomization.js';

/** The field manager of Weft's Kustomization applies (Flux's is `kustomize-controller`). */
export const KUSTOMIZE_FIELD_MANAGER = 'weft-kustomize';

/** Options of {@link KustomizationReconciler}. */
export interface KustomizationReconcilerOptions {
  /** Reads source artifacts; default an {@link ArtifactReader} without storage (artifacts fetched by URL). */
  artifacts?: ArtifactReader;
  /** The server-side apply field manager. @defaultValue {@link KUSTOMIZE_FIELD_MANAGER} */
  fieldManager?: string;
  /**
   * Watch applied objects for drift between intervals (`spec.driftDetection.mode` `revert` or
   * `report`). With false, drift is corrected only by the re-apply of each interval, as in Flux.
   * @defaultValue true
   */
  driftWatch?: boolean;
  /** Called with every drift event of every Kustomization (`namespace/name`). */
  onDrift?: (key: string, event: DriftEvent) => void;
  /** How often a health check looks for a newer source revision, to give up on a stale one. @defaultValue '2s' */
  revisionPollInterval?: string;
  /** How often a health check reads the objects it waits on (Flux's is 5 s). @defaultValue '1s' */
  healthPollInterval?: string;
}

/** A reconcile step failed: the reason is Flux's `Ready=False` reason. */
class StepFailure extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly options: { stalled?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
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

interface DriftWatch {
  readonly fingerprint: string;
  readonly subscription: Subscription;
}

/**
 * The reconciler of `Kustomization` objects: Flux's kustomize-controller behaviour, stitched from
 * git-source's artifacts, `@weft/kustomize-lite` and `@weft/drift`.
 *
 * @remarks
 * Each reconcile: suspended → nothing; the `sourceRef` GitRepository's artifact (else
 * `ArtifactFailed`); `dependsOn` Ready and, when they share the source, at the same revision (else
 * `DependencyNotReady`); unpack; build `path` (generated kustomization.yaml when absent;
 * `targetNamespace`; `postBuild` substitution) (else `BuildFailed`); server-side apply of the whole
 * set, dry-run first, so a broken commit changes nothing (else `ReconciliationFailed`); inventory
 * and `prune` (else `PruneFailed`); `wait`/`healthChecks` within `timeout` (else
 * `HealthCheckFailed`); then `lastAppliedRevision`, `Ready=True` `ReconciliationSucceeded`, and a
 * drift watch on the applied objects. Failures requeue after `retryInterval`; success after
 * `interval`. Conditions are kstatus (`Ready`, `Reconciling`, `Stalled`, plus `Healthy`). A
 * health check gives up as soon as the source has a newer revision (Flux's kustomize-controller #701).
 * Deleting a Kustomization with `prune: true` deletes what it applied (finalizer).
 * Call {@link KustomizationReconciler.close} to stop the drift watches.
 *
 * @example
 * ```ts
 * const reconciler = new KustomizationReconciler({ artifacts: new ArtifactReader({ storage }) });
 * manager.add(kustomizationController({ concurrency: 4 }).reconcile(reconciler));
 * ```
 */
export class KustomizationReconciler extends Reconciler<Kustomization> {
  private readonly artifacts: ArtifactReader;
  private readonly fieldManager: string;
  private readonly driftWatches = new Map<string, DriftWatch>();
  private readonly lastReconcile = new Map<string, LastReconcile>();
  private clusterClient: ClusterClient | undefined;

  constructor(private readonly options: KustomizationReconcilerOptions = {}) {
    super();
    this.artifacts = options.artifacts ?? new ArtifactReader();
    this.fieldManager = options.fieldManager ?? KUSTOMIZE_FIELD_MANAGER;
  }

  /** Stops every drift watch. */
  close(): void {
    for (const watch of this.driftWatches.values()) watch.subscription.unsubscribe();
    this.driftWatches.clear();
  }

  /** How many Kustomizations have a drift watch open (for tests and metrics). */
  get driftWatchCount(): number {
    return this.driftWatches.size;
  }

  override async reconcile(kustomization: Kustomization, context: ReconcileContext<Kustomization>): Promise<Result | void> {
    const { spec } = kustomization;
    const namespace = kustomization.metadata.namespace ?? 'default';
    const name = kustomization.metadata.name ?? '';
    const key = `${namespace}/${name}`;
    if (spec.suspend) {
      this.stopDriftWatch(key);
      this.lastReconcile.delete(key);
      context.logger.debug('suspended; skipping');
      return done;
    }
    const generation = kustomization.metadata.generation;
    const interval = parseDuration(spec.interval);
    const retryInterval = spec.retryInterval ? parseDuration(spec.retryInterval) : interval;
    const timeout = spec.timeout ? parseDuration(spec.timeout) : interval;
    const started = Date.now();
    const status: KustomizationStatus = { ...(kustomization.status ?? {}) };
    const handled = requestedAt(kustomization);
    if (handled !== undefined) status.lastHandledReconcileAt = handled;
    const client = this.cluster(context);
    const written = new Set<string>(kustomization.metadata.resourceVersion ? [kustomization.metadata.resourceVersion] : []);
    const writeStatus = async () => {
      const patched = await context.client.patchStatus(KustomizationKind, name, { status }, { namespace, signal: context.signal });
      if (patched.metadata.resourceVersion) written.add(patched.metadata.resourceVersion);
    };
    let revision: string | undefined;
    const finish = (reason: string, delay: number | undefined): Result => {
      if (delay === undefined) this.lastReconcile.delete(key);
      else this.lastReconcile.set(key, { resourceVersions: written, generation, revision, due: Date.now() + delay, reason });
      return delay === undefined ? done : requeueAfter(delay);
    };

    // Our own status writes come back as changes of the object (reconcile-core triggers on every
    // change, as a controller without Flux's GenerationChangedPredicate): a reconcile woken by one
    // of them (the cache may still hold an intermediate one) is skipped until the next interval,
    // unless the source moved or a dependency may have become ready.
    const previous = this.lastReconcile.get(key);
    const ours = previous !== undefined && previous.generation === generation && previous.resourceVersions.has(kustomization.metadata.resourceVersion ?? '');
    if (previous && ours && previous.reason !== 'DependencyNotReady' && Date.now() < previous.due) {
      const unchanged = (await this.sourceRevision(kustomization, context)) === previous.revision;
      const remaining = previous.due - Date.now();
      if (unchanged && remaining > 0) return requeueAfter(remaining);
    }

    try {
      const mode = driftMode(spec);
      try {
        compileIgnoreRules(spec.driftDetection?.ignore);
      } catch (error) {
        if (error instanceof InvalidIgnoreRuleError) throw new StepFailure('InvalidDriftDetection', `spec.driftDetection.ignore: ${error.message}`, { stalled: true, cause: error });
        throw error;
      }

      const source = await this.source(kustomization, context);
      const artifact = source.status!.artifact!;
      revision = artifact.revision;
      await this.checkDependencies(kustomization, context, source);

      // Progress is written once per revision and generation, not on every retry (each write is a change that triggers).
      const newWork = status.lastAttemptedRevision !== revision || (previous?.generation ?? status.observedGeneration) !== generation;
      status.lastAttemptedRevision = revision;
      if (newWork) {
        status.conditions = setCondition(
          status.conditions,
          { type: 'Reconciling', status: 'True', reason: 'Progressing', message: `Reconciliation in progress for revision ${revision}` },
          generation,
        );
        status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress' }, generation);
        await writeStatus();
      }

      let fs: KustomizeFs;
      try {
        fs = await this.artifacts.read(artifact, { signal: context.signal });
      } catch (error) {
        if (error instanceof ArtifactError) throw new StepFailure('ArtifactFailed', error.message, { cause: error });
        throw error;
      }

      let built: BuiltManifests;
      try {
        built = await buildManifests({
          fs,
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
          signal: context.signal,
        });
      } catch (error) {
        if (error instanceof KustomizeError) throw new StepFailure('BuildFailed', `kustomize build failed for revision ${revision}: ${error.message}`, { cause: error });
        throw error;
      }

      const upToDate =
        mode === 'report' &&
        status.lastAppliedRevision === revision &&
        status.observedGeneration === generation &&
        status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true;
      let applied: ApplySetResult | undefined;
      if (!upToDate) {
        this.retireDriftWatch(key, kustomization, built.objects, mode);
        try {
          applied = await applySet(client, built.objects, {
            fieldManager: this.fieldManager,
            force: spec.force === true,
            ignore: spec.driftDetection?.ignore ?? [],
            timeout,
            sourceOf: built.sourceOf,
            signal: context.signal,
          });
        } catch (error) {
          if (context.signal.aborted) throw error;
          throw new StepFailure('ReconciliationFailed', `apply of revision ${revision} failed: ${(error as Error).message}`, { cause: error });
        }
        const previous = status.inventory;
        status.inventory = { entries: [...applied.inventory.entries] };
        if (spec.prune) {
          try {
            const pruned = await prune(client, previous, applied.inventory, { fieldManager: this.fieldManager, signal: context.signal });
            const summary = summarizeChangeSet(pruned);
            if (summary) context.recorder?.event(kustomization, 'Normal', 'Progressing', `pruned:\n${summary}`);
          } catch (error) {
            if (context.signal.aborted) throw error;
            // The set is applied; keep the objects that could not be pruned in the inventory for the next attempt.
            status.inventory = mergeInventories(applied.inventory, previous);
            throw new StepFailure('PruneFailed', `prune failed: ${(error as Error).message}`, { cause: error });
          }
        }
        const summary = summarizeChangeSet(applied);
        if (summary) context.recorder?.event(kustomization, 'Normal', 'Progressing', summary);
      }

      await this.checkHealth(kustomization, context, client, built, artifact, { timeout, namespace, status, generation, announce: newWork, writeStatus });

      status.lastAppliedRevision = revision;
      status.observedGeneration = generation ?? 0;
      let conditions = removeConditions(status.conditions, 'Reconciling', 'Stalled');
      const message = `Applied revision: ${revision}`;
      conditions = setCondition(conditions, { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message }, generation);
      status.conditions = conditions;
      await writeStatus();
      if (newWork || (applied && countChanges(applied).unchanged !== applied.entries.length)) {
        context.recorder?.event(kustomization, 'Normal', 'ReconciliationSucceeded', `Reconciliation finished in ${formatDuration(Date.now() - started)}, next run in ${formatDuration(interval)}`);
      }
      this.startDriftWatch(key, kustomization, client, built.objects, mode, context);
      return finish('ReconciliationSucceeded', interval);
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (error instanceof SupersededError) {
        // A newer revision arrived during the health check: start over with it at once.
        this.lastReconcile.delete(key);
        return requeueAfter(0);
      }
      const failure = error instanceof StepFailure ? error : new StepFailure('ReconciliationFailed', (error as Error).message ?? String(error), { cause: error });
      // As Flux: a transient failure leaves observedGeneration alone (dependents and kstatus see the
      // generation as not yet reconciled); a stall is final for this generation.
      if (failure.options.stalled) status.observedGeneration = generation ?? 0;
      if (revision !== undefined && failure.reason !== 'DependencyNotReady' && failure.reason !== 'ArtifactFailed') status.lastAttemptedRevision = revision;
      let conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason: failure.reason, message: failure.message }, generation);
      if (failure.options.stalled) {
        conditions = removeConditions(conditions, 'Reconciling');
        conditions = setCondition(conditions, { type: 'Stalled', status: 'True', reason: failure.reason, message: failure.message }, generation);
      } else {
        conditions = removeConditions(conditions, 'Stalled');
        conditions = setCondition(
          conditions,
          { type: 'Reconciling', status: 'True', reason: 'ProgressingWithRetry', message: `retrying in ${formatDuration(retryInterval)} after ${failure.reason}` },
          generation,
        );
      }
      status.conditions = conditions;
      await writeStatus();
      context.recorder?.event(kustomization, failure.reason === 'DependencyNotReady' ? 'Normal' : 'Warning', failure.reason, failure.message);
      context.logger.info({ reason: failure.reason, revision }, failure.message);
      return finish(failure.reason, failure.options.stalled ? undefined : retryInterval);
    }
  }

  /** Deletes what a pruning Kustomization applied when it is deleted (Flux's garbage collection on delete). */
  override async finalize(kustomization: Kustomization, context: ReconcileContext<Kustomization>): Promise<void> {
    const key = `${kustomization.metadata.namespace ?? 'default'}/${kustomization.metadata.name}`;
    this.stopDriftWatch(key);
    this.lastReconcile.delete(key);
    if (!kustomization.spec.prune || kustomization.spec.suspend) return;
    const inventory = kustomization.status?.inventory;
    if (!inventory || inventory.entries.length === 0) return;
    const pruned = await prune(this.cluster(context), inventory, { entries: [] }, { fieldManager: this.fieldManager, signal: context.signal });
    context.logger.info({ deleted: pruned.entries.length }, 'garbage collected the inventory of a deleted Kustomization');
  }

  private cluster(context: ReconcileContext<Kustomization>): ClusterClient {
    this.clusterClient ??= new ClusterClient(context.kubeConfig, { kubeClient: context.client });
    return this.clusterClient;
  }

  /** The source's current artifact revision; undefined when it cannot be read (the reconcile then runs and reports why). */
  private async sourceRevision(kustomization: Kustomization, context: ReconcileContext<Kustomization>): Promise<string | undefined> {
    const ref = kustomization.spec.sourceRef;
    try {
      const source = await context.client.get(GitRepositoryKind, ref.name, { namespace: ref.namespace ?? kustomization.metadata.namespace ?? 'default', signal: context.signal });
      return source.status?.artifact?.revision;
    } catch {
      return undefined;
    }
  }

  /** The source GitRepository, with an artifact. */
  private async source(kustomization: Kustomization, context: ReconcileContext<Kustomization>): Promise<GitRepository> {
    const ref = kustomization.spec.sourceRef;
    const namespace = ref.namespace ?? kustomization.metadata.namespace ?? 'default';
    if (ref.kind !== 'GitRepository') throw new StepFailure('ArtifactFailed', `source kind '${ref.kind}' is not supported (only GitRepository)`, { stalled: true });
    let source: GitRepository;
    try {
      source = await context.client.get(GitRepositoryKind, ref.name, { namespace, signal: context.signal });
    } catch (error) {
      if (isNotFoundError(error)) throw new StepFailure('ArtifactFailed', `Source 'GitRepository/${namespace}/${ref.name}' not found`);
      throw error;
    }
    if (!source.status?.artifact) throw new StepFailure('ArtifactFailed', `Source 'GitRepository/${namespace}/${ref.name}' is not ready, artifact not found`);
    return source;
  }

  /** Flux's dependency check: each dependency Ready for its generation and, when it shares our source, at the source's revision. */
  private async checkDependencies(kustomization: Kustomization, context: ReconcileContext<Kustomization>, source: GitRepository): Promise<void> {
    const namespace = kustomization.metadata.namespace ?? 'default';
    for (const dependency of kustomization.spec.dependsOn ?? []) {
      const dependencyNamespace = dependency.namespace ?? namespace;
      const subject = `${dependencyNamespace}/${dependency.name}`;
      let found: Kustomization;
      try {
        found = await context.client.get(KustomizationKind, dependency.name, { namespace: dependencyNamespace, signal: context.signal });
      } catch (error) {
        if (isNotFoundError(error)) throw new StepFailure('DependencyNotReady', `dependency '${subject}' not found`);
        throw error;
      }
      const ready = found.status?.conditions?.find((condition) => condition.type === 'Ready');
      if (found.spec.suspend || ready?.status !== 'True' || found.status?.observedGeneration !== found.metadata.generation) {
        throw new StepFailure('DependencyNotReady', `dependency '${subject}' is not ready`);
      }
      const sameSource =
        found.spec.sourceRef.kind === source.kind &&
        found.spec.sourceRef.name === source.metadata.name &&
        (found.spec.sourceRef.namespace ?? dependencyNamespace) === source.metadata.namespace;
      if (sameSource && found.status?.lastAppliedRevision !== source.status?.artifact?.revision) {
        throw new StepFailure('DependencyNotReady', `dependency '${subject}' revision is not up to date`);
      }
    }
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

  /** `wait` (every applied object) or `healthChecks` (the listed ones), within `timeout`. */
  private async checkHealth(
    kustomization: Kustomization,
    context: ReconcileContext<Kustomization>,
    client: ClusterClient,
    built: BuiltManifests,
    artifact: GitRepositoryArtifact,
    settings: { timeout: number; namespace: string; status: KustomizationStatus; generation: number | undefined; announce: boolean; writeStatus: () => Promise<void> },
  ): Promise<void> {
    const { spec } = kustomization;
    const refs: ObjectRef[] = spec.wait
      ? built.objects.map((object) => objectRef(object))
      : (spec.healthChecks ?? []).map((check) => ({
          ...parseApiVersion(check.apiVersion ?? defaultApiVersion(check.kind)),
          kind: check.kind,
          name: check.name,
          // As Flux: without a namespace the reference is local to the Kustomization's namespace.
          namespace: check.namespace ?? settings.namespace,
        }));
    if (refs.length === 0) {
      settings.status.conditions = removeConditions(settings.status.conditions, 'Healthy');
      return;
    }
    if (settings.announce) {
      settings.status.conditions = setCondition(
        settings.status.conditions,
        { type: 'Reconciling', status: 'True', reason: 'Progressing', message: `Running health checks for revision ${artifact.revision} with a timeout of ${formatDuration(settings.timeout)}` },
        settings.generation,
      );
      await settings.writeStatus();
    }
    const files = new Map(built.objects.map((object) => [describeObject(objectRef(object)), built.sourceOf(object)]));
    const stop = new AbortController();
    setMaxListeners(0, stop.signal);
    const onAbort = () => stop.abort(context.signal.reason);
    context.signal.addEventListener('abort', onAbort, { once: true });
    let superseded = false;
    const polling = this.watchForNewRevision(kustomization, context, artifact.revision, stop.signal).then((newer) => {
      if (newer) {
        superseded = true;
        stop.abort(new SupersededError(newer));
      }
    });
    try {
      const result = await wait(client, refs, { timeout: settings.timeout, interval: parseDuration(this.options.healthPollInterval ?? '1s'), signal: stop.signal });
      if (result.healthy) {
        settings.status.conditions = setCondition(settings.status.conditions, { type: 'Healthy', status: 'True', reason: 'Succeeded', message: 'Health check passed' }, settings.generation);
        return;
      }
      const unhealthy = [...result.failed, ...result.progressing]
        .map((item) => `${item.subject}${files.get(item.subject) ? ` (from ${files.get(item.subject)})` : ''}: ${item.reason}`)
        .join('; ');
      const message = `health check failed after ${formatDuration(settings.timeout)}${result.timedOut ? ', timeout waiting for' : ''}: ${unhealthy}`;
      settings.status.conditions = setCondition(settings.status.conditions, { type: 'Healthy', status: 'False', reason: 'HealthCheckFailed', message }, settings.generation);
      throw new StepFailure('HealthCheckFailed', message);
    } catch (error) {
      if (superseded && (error instanceof CancelledError || stop.signal.aborted)) throw stop.signal.reason as SupersededError;
      throw error;
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      stop.abort();
      await polling;
    }
  }

  /** Resolves with a newer source revision as soon as one appears, or undefined once `signal` aborts. */
  private async watchForNewRevision(kustomization: Kustomization, context: ReconcileContext<Kustomization>, revision: string, signal: AbortSignal): Promise<string | undefined> {
    const every = parseDuration(this.options.revisionPollInterval ?? '2s');
    const ref = kustomization.spec.sourceRef;
    const namespace = ref.namespace ?? kustomization.metadata.namespace ?? 'default';
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) return undefined;
      try {
        const source = await context.client.get(GitRepositoryKind, ref.name, { namespace, signal });
        const current = source.status?.artifact?.revision;
        if (current !== undefined && current !== revision) return current;
      } catch {
        // A failed look is no reason to stop waiting; the next one may succeed.
      }
    }
    return undefined;
  }

  private startDriftWatch(key: string, kustomization: Kustomization, client: ClusterClient, objects: readonly KubeObject[], mode: RemediationMode | 'disabled', context: ReconcileContext<Kustomization>): void {
    if (mode === 'disabled' || this.options.driftWatch === false) {
      this.stopDriftWatch(key);
      return;
    }
    const fingerprint = driftFingerprint(kustomization, objects, mode);
    if (this.driftWatches.get(key)?.fingerprint === fingerprint) return;
    this.stopDriftWatch(key);
    const recorder = context.recorder;
    const logger = context.logger;
    const subscription = watchDrift(client, objects, { mode, fieldManager: this.fieldManager, ignore: kustomization.spec.driftDetection?.ignore ?? [] }).subscribe({
      next: (event) => {
        this.options.onDrift?.(key, event);
        if (event.type === 'drifted') {
          const paths = event.diff.status === 'missing' ? 'deleted' : event.diff.changes.map((change) => change.path).join(', ');
          const by = event.editedBy.length > 0 ? ` by ${event.editedBy.join(', ')}` : '';
          logger.info({ object: event.subject, editedBy: event.editedBy }, 'drift detected');
          recorder?.event(kustomization, 'Warning', 'DriftDetected', `${event.subject} edited${by}: ${paths}`);
        } else if (event.type === 'reverted') {
          logger.info({ object: event.subject }, 'drift reverted');
          recorder?.event(kustomization, 'Normal', 'DriftReverted', `${event.subject} ${event.change.action} to the applied revision ${kustomization.status?.lastAppliedRevision ?? ''}`.trim());
        } else if (event.type === 'error') {
          logger.warn({ object: event.subject, err: event.error }, 'drift check failed');
        }
      },
      error: (error: unknown) => logger.warn({ err: error }, 'drift watch stopped'),
    });
    this.driftWatches.set(key, { fingerprint, subscription });
  }

  /**
   * Stops the drift watch of the last applied set when `objects` differ from it: the apply and prune
   * that follow are this reconciler's own writes, and the old watch would take them for drift (and,
   * in revert mode, re-create what prune deletes). The new set is watched after a successful apply.
   */
  private retireDriftWatch(key: string, kustomization: Kustomization, objects: readonly KubeObject[], mode: RemediationMode | 'disabled'): void {
    const current = this.driftWatches.get(key);
    if (current && current.fingerprint !== driftFingerprint(kustomization, objects, mode)) this.stopDriftWatch(key);
  }

  private stopDriftWatch(key: string): void {
    this.driftWatches.get(key)?.subscription.unsubscribe();
    this.driftWatches.delete(key);
  }
}

/** What a drift watch watches: the mode, the ignore rules and the applied objects. */
function driftFingerprint(kustomization: Kustomization, objects: readonly KubeObject[], mode: RemediationMode | 'disabled'): string {
  return createHash('sha256')
    .update(JSON.stringify([mode, kustomization.spec.driftDetection?.ignore ?? [], objects]))
    .digest('hex');
}

/** A newer source revision arrived while a health check waited on the old one. */
class SupersededError extends Error {
  constructor(readonly revision: string) {
    super(`superseded by revision ${revision}`);
  }
}

function driftMode(spec: KustomizationSpec): RemediationMode | 'disabled' {
  const mode = spec.driftDetection?.mode ?? 'revert';
  if (mode === 'enabled') return 'revert';
  if (mode === 'warn') return 'report';
  return mode;
}

function mergeInventories(current: Inventory, previous: Inventory | undefined): Inventory {
  const ids = new Set(current.entries.map((entry) => entry.id));
  return { entries: [...current.entries, ...(previous?.entries ?? []).filter((entry) => !ids.has(entry.id))] };
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

/**
 * The controller builder for Kustomization objects: reconciles each object, the Kustomizations
 * that use a GitRepository when its artifact revision changes, and the dependents of a
 * Kustomization when its readiness changes (so `dependsOn` chains move without waiting for
 * `retryInterval`).
 *
 * @remarks
 * Triggers are filtered as Flux's kustomize-controller filters them (reconcile-core predicates): a
 * Kustomization's own status writes trigger nothing (generation, annotations — a manual reconcile
 * request — and finalizers do), nor do a GitRepository's status writes that keep its revision.
 * Pass `predicate` in `options` to change the first.
 *
 * @example
 * ```ts
 * kustomizationController({ kubeConfig, concurrency: 4 }).reconcile(new KustomizationReconciler()).subscribe();
 * ```
 */
export function kustomizationController(options: ControllerOptions<Kustomization> = {}): ControllerBuilder<Kustomization> {
  const keyOf = (kustomization: Kustomization) => ({ namespace: kustomization.metadata.namespace ?? 'default', name: kustomization.metadata.name ?? '' });
  // spec.timeout bounds apply and health checks (5m by default, as in Flux); the runtime's own
  // per-reconcile deadline is only a backstop above it, or it would cut a health check off at the
  // moment it should report HealthCheckFailed.
  return controller(KustomizationKind, { name: 'kustomization', timeout: '1h', predicate: anyOf(predicates.generation, predicates.annotations, predicates.finalizers), ...options })
    .watches(
      GitRepositoryKind,
      (repository, store) =>
        store
          .list()
          .filter(
            (candidate) =>
              candidate.spec.sourceRef.kind === 'GitRepository' &&
              candidate.spec.sourceRef.name === repository.metadata.name &&
              (candidate.spec.sourceRef.namespace ?? candidate.metadata.namespace) === repository.metadata.namespace,
          )
          .map(keyOf),
      { predicate: (repository) => repository.status?.artifact?.revision ?? '' },
    )
    .watches(
      KustomizationKind,
      (changed, store) =>
        store
          .list()
          .filter((candidate) =>
            (candidate.spec.dependsOn ?? []).some(
              (dependency) => dependency.name === changed.metadata.name && (dependency.namespace ?? candidate.metadata.namespace) === changed.metadata.namespace,
            ),
          )
          .map(keyOf),
      { predicate: readiness },
    );
}

/** What dependents look at: Ready, the generation it is for, and the revision applied. */
function readiness(kustomization: Kustomization): string {
  const ready = kustomization.status?.conditions?.find((condition) => condition.type === 'Ready');
  return JSON.stringify([ready?.status, kustomization.status?.observedGeneration, kustomization.metadata.generation, kustomization.status?.lastAppliedRevision, kustomization.spec.suspend === true]);
}
