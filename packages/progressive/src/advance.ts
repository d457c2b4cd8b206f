/**
 * The decision logic of one analysis tick, as a pure function: what the Canary's status becomes
 * and which actions the reconciler carries out, from what was observed. It follows Flagger's
 * scheduler (`advanceCanary`) branch by branch; where Weft goes beyond Flagger it is an opt-in,
 * named where it happens.
 *
 * A tick may need answers it cannot compute itself (a webhook's verdict, a metric's value), and
 * Flagger asks them lazily, in order, stopping at the first that fails. `advance` does the same:
 * it returns a {@link Check} when it needs one more answer, and is called again with the answers
 * so far. {@link decide} runs that loop with a synchronous answer function (for tests);
 * the reconciler runs it asynchronously.
 */
import { setCondition, type Condition } from '@weft/reconcile-core';
import type {
  Canary,
  CanaryAnalysis,
  CanaryMetric,
  CanaryPhase,
  CanaryStatus,
  CanaryWebhook,
  ManualRequest,
  RouterProvider,
  WebhookType,
} from './canary-types.js';
import { evaluateMetric, isBuiltinMetric, type MetricAnswer, type MetricSource } from './metric-evaluation.js';
import { maxWeight, nextStepWeight, totalWeight } from './weights.js';

/** Whether a Deployment has rolled out; `retriable: false` means its progress deadline passed. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly retriable: boolean; readonly message: string };

/** The Canary's target as observed this tick. */
export interface TargetObservation {
  /** Hash of the target's pod template: a new one is a new revision. */
  readonly revision: string;
  /** `configmap/<name>` and `secret/<name>` → checksum of the data the pod template uses. */
  readonly trackedConfigs: Readonly<Record<string, string>>;
  readonly readiness: Readiness;
}

/** The routes' current weights, as the router reads them back. */
export interface RouteObservation {
  readonly primaryWeight: number;
  readonly canaryWeight: number;
  readonly mirrored: boolean;
}

/** A webhook's verdict. */
export interface WebhookAnswer {
  readonly ok: boolean;
  readonly message?: string;
}

/** A question the tick needs answered before it can decide. */
export type Check =
  | { readonly kind: 'webhook'; readonly key: string; readonly webhook: CanaryWebhook; readonly phase: CanaryPhase }
  | { readonly kind: 'metric'; readonly key: string; readonly metric: CanaryMetric; readonly source: MetricSource };

/** The answer to a {@link Check}: a webhook's verdict or a metric's outcome. */
export type CheckAnswer = WebhookAnswer | MetricAnswer;

/** Everything one tick decides from. */
export interface AdvanceInput {
  readonly canary: Canary;
  /** The router in use: the Canary's `spec.provider`, else the controller's default. */
  readonly provider: RouterProvider;
  /** The target workload, or a message saying why it cannot be used (missing, no selector label). */
  readonly target: TargetObservation | { readonly error: string };
  /** The `<target>-primary` Deployment's readiness, or `missing` when it does not exist yet. */
  readonly primary: Readiness | 'missing';
  readonly routes: RouteObservation;
  /** Answers to the checks asked so far this tick, by each check's `key`. */
  readonly answers: ReadonlyMap<string, CheckAnswer>;
  /** The tick's time, for `lastTransitionTime` and conditions. */
  readonly now: Date;
}

/** What the reconciler does, in order; it stops at the first that fails (events and hooks are best effort). */
export type Action =
  | { readonly type: 'initializeServices' }
  | { readonly type: 'createPrimary' }
  | { readonly type: 'reconcileApexService' }
  | { readonly type: 'reconcileRoutes' }
  | { readonly type: 'reconcilePrimaryScaler' }
  | { readonly type: 'scaleTargetToZero' }
  | { readonly type: 'scaleTargetFromZero' }
  | { readonly type: 'setRoutes'; readonly primaryWeight: number; readonly canaryWeight: number; readonly mirrored: boolean }
  | { readonly type: 'promote' }
  | { readonly type: 'updateStatus'; readonly status: CanaryStatus }
  | { readonly type: 'event'; readonly severity: 'Normal' | 'Warning'; readonly reason: string; readonly message: string }
  | { readonly type: 'postRolloutHooks'; readonly phase: CanaryPhase };

/** The outcome of a tick: either a question, or the decision. */
export type Advance = { readonly kind: 'check'; readonly check: Check } | { readonly kind: 'decided'; readonly actions: readonly Action[]; readonly status: CanaryStatus };

/** Phases in which an analysis is under way. */
const inFlight: readonly CanaryPhase[] = ['Progressing', 'Waiting', 'WaitingPromotion', 'Promoting', 'Finalising'];

/** Raised inside a tick to ask a question; never escapes {@link advance}. */
class NeedsAnswer {
  constructor(readonly check: Check) {}
}

/**
 * Decides one analysis tick.
 *
 * @remarks Pure: reads only its input, and returns the same result for the same input. Call it
 * again with the answer to a returned {@link Check} added to `answers`; checks are asked in
 * Flagger's order and only when Flagger would ask them (a webhook is never called twice in a tick,
 * nor called after an earlier check failed).
 */
export function advance(input: AdvanceInput): Advance {
  const tick = new Tick(input);
  try {
    tick.run();
  } catch (error) {
    if (error instanceof NeedsAnswer) return { kind: 'check', check: error.check };
    throw error;
  }
  return { kind: 'decided', actions: tick.actions, status: tick.status };
}

/**
 * Runs {@link advance} to a decision, answering its checks with `answer`.
 *
 * @example
 * ```ts
 * import { decide } from '@weft/progressive';
 *
 * const { actions, status } = decide(input, (check) => (check.kind === 'webhook' ? { ok: true } : { kind: 'value', value: 99 }));
 * ```
 */
export function decide(input: Omit<AdvanceInput, 'answers'>, answer: (check: Check) => CheckAnswer): { readonly actions: readonly Action[]; readonly status: CanaryStatus; readonly checks: readonly Check[] } {
  const answers = new Map<string, CheckAnswer>();
  const checks: Check[] = [];
  for (;;) {
    const result = advance({ ...input, answers });
    if (result.kind === 'decided') return { actions: result.actions, status: result.status, checks };
    checks.push(result.check);
    answers.set(result.check.key, answer(result.check));
  }
}

class Tick {
  readonly actions: Action[] = [];
  status: CanaryStatus;
  private readonly canary: Canary;
  private readonly analysis: CanaryAnalysis;
  private readonly skipAnalysis: boolean;
  private readonly id: string;

  constructor(private readonly input: AdvanceInput) {
    this.canary = input.canary;
    this.status = input.canary.status ?? {};
    const declared = input.canary.spec.analysis;
    this.skipAnalysis = declared === undefined || input.canary.spec.skipAnalysis === true;
    this.analysis = declared ?? { interval: '1m', threshold: 1 };
    this.id = `${input.canary.metadata.name}.${input.canary.metadata.namespace}`;
  }

  private get phase(): CanaryPhase | undefined {
    return this.status.phase;
  }

  run(): void {
    const { canary, input } = this;
    if (canary.spec.suspend) {
      this.event('Normal', 'Suspended', 'skipping canary run as object is suspended');
      return;
    }
    if ('error' in input.target) {
      this.event('Warning', 'TargetInvalid', input.target.error);
      return;
    }
    const target = input.target;
    const initializing = this.phase === undefined || this.phase === 'Initializing';

    // Flagger's canaryController.Initialize: the canary and primary Services, the primary
    // Deployment, and during initialisation a primary that has rolled out.
    this.act({ type: 'initializeServices' });
    if (input.primary === 'missing') this.act({ type: 'createPrimary' });
    const primary: Readiness = input.primary === 'missing' ? { ready: false, retriable: true, message: `deployment ${this.primaryName} not found` } : input.primary;
    if (initializing && !this.skipAnalysis && !primary.ready) {
      this.event('Warning', 'PrimaryNotReady', `${this.primaryName}.${canary.metadata.namespace} not ready: ${primary.message}`);
      if (!primary.retriable) this.rollback();
      return;
    }
    if (canary.spec.autoscalerRef) this.act({ type: 'reconcilePrimaryScaler' });
    this.act({ type: 'reconcileApexService' });
    if (initializing) this.act({ type: 'scaleTargetToZero' });
    this.act({ type: 'reconcileRoutes' });
    if (initializing) {
      this.syncStatus({ phase: 'Initialized' }, target);
      this.event('Normal', 'Synced', `Initialization done! ${this.id}`);
    }

    // Manual requests that change no traffic are handled first (beyond Flagger).
    const request = this.status.request;
    if (request && (request.action === 'pause' || request.action === 'resume')) {
      this.consumeRequest(request, { paused: request.action === 'pause' });
      this.event('Normal', 'ManualRequest', `${request.action === 'pause' ? 'Paused' : 'Resumed'} ${this.id} on request`);
    }

    const changed = this.hasTargetChanged(target);
    const retry = request?.action === 'retry' && this.phase === 'Failed';
    const shouldAdvance = (this.phase !== undefined && inFlight.includes(this.phase)) || changed || retry;
    if (this.phase === 'Failed' && !retry) {
      // Flagger syncs lastAppliedSpec in the failed state, so the failed revision is not retried
      // until it changes again (the `retry` request is Weft's way round that, flagger#862).
      this.syncStatus({ phase: 'Failed', canaryWeight: this.status.canaryWeight ?? 0, failedChecks: this.status.failedChecks ?? 0, iterations: this.status.iterations ?? 0 }, target, { quiet: true });
    }
    if (!shouldAdvance) {
      if (request && request.action !== 'pause' && request.action !== 'resume') this.ignoreRequest(request, `nothing to ${request.action} in phase ${this.phase ?? 'Initializing'}`);
      return;
    }
    // Beyond Flagger: a paused Canary changes no traffic and starts no analysis until resumed.
    if (this.status.paused) return;

    if (!this.skipAnalysis && !primary.ready) {
      this.event('Warning', 'PrimaryNotReady', `${this.primaryName}.${canary.metadata.namespace} not ready: ${primary.message}`);
      if (!primary.retriable) {
        if (this.phase === 'Promoting' || this.phase === 'Finalising') this.failPromotion(primary.message);
        else this.rollback();
      }
      return;
    }

    let { primaryWeight, canaryWeight, mirrored } = input.routes;

    // Flagger's checkCanaryStatus: a new revision (or a retry) starts here.
    if (!(this.phase === 'Progressing' || this.phase === 'WaitingPromotion' || this.phase === 'Promoting' || this.phase === 'Finalising')) {
      if (!this.confirmRollout()) return;
      this.event('Normal', 'Synced', `New revision detected! Scaling up ${canary.spec.targetRef.name}.${canary.metadata.namespace}`);
      this.act({ type: 'scaleTargetFromZero' });
      if (retry) this.consumeRequest(request!, {});
      this.syncStatus({ phase: 'Progressing' }, target);
      return;
    }

    // A new revision in the middle of the analysis restarts it.
    if ((this.phase === 'Progressing' || this.phase === 'WaitingPromotion') && changed) {
      this.event('Normal', 'Synced', `New revision detected! Restarting analysis for ${canary.spec.targetRef.name}.${canary.metadata.namespace}`);
      this.act({ type: 'setRoutes', primaryWeight: totalWeight, canaryWeight: 0, mirrored: false });
      this.syncStatus({ phase: 'Progressing' }, target);
      return;
    }

    // Beyond Flagger: an abort request rolls back now, whatever the canary's health.
    if (request?.action === 'abort') {
      if (this.phase === 'Progressing' || this.phase === 'WaitingPromotion') {
        this.consumeRequest(request, {});
        this.event('Warning', 'ManualRequest', `Rolling back ${this.id}: abort requested`);
        this.rollback();
        return;
      }
      this.ignoreRequest(request, `too late to abort in phase ${this.phase}`);
    }

    const canaryReadiness = target.readiness;
    if (!canaryReadiness.ready) {
      this.event('Warning', 'CanaryNotReady', `canary deployment ${canary.spec.targetRef.name}.${canary.metadata.namespace} not ready: ${canaryReadiness.message}`);
      if (!canaryReadiness.retriable) this.rollback();
      return;
    }

    if (this.skipAnalysis) {
      this.act({ type: 'setRoutes', primaryWeight: totalWeight, canaryWeight: 0, mirrored: false });
      this.event('Normal', 'Synced', `Copying ${canary.spec.targetRef.name}.${canary.metadata.namespace} template spec to ${this.primaryName}.${canary.metadata.namespace}`);
      this.act({ type: 'promote' });
      if (canary.spec.autoscalerRef) this.act({ type: 'reconcilePrimaryScaler' });
      this.act({ type: 'scaleTargetToZero' });
      this.setPhase('Succeeded');
      this.act({ type: 'postRolloutHooks', phase: 'Succeeded' });
      this.event('Normal', 'Synced', `Promotion completed! Canary analysis was skipped for ${canary.spec.targetRef.name}.${canary.metadata.namespace}`);
      return;
    }

    if (this.phase === 'Progressing' || this.phase === 'WaitingPromotion') {
      if (this.rollbackRequested()) {
        this.event('Warning', 'Synced', `Rolling back ${this.id} manual webhook invoked`);
        this.rollback();
        return;
      }
    }

    // Beyond Flagger: a promote request skips what is left of the analysis.
    if (request?.action === 'promote') {
      if (this.phase === 'Progressing' || this.phase === 'WaitingPromotion') {
        this.consumeRequest(request, {});
        this.event('Normal', 'ManualRequest', `Promoting ${this.id} on request`);
        this.promote();
        return;
      }
      this.ignoreRequest(request, `nothing to promote in phase ${this.phase}`);
    }

    if (this.phase === 'Promoting') {
      if (canary.spec.autoscalerRef) this.act({ type: 'reconcilePrimaryScaler' });
      this.promotionTrafficShift(canaryWeight, primaryWeight);
      return;
    }

    if (this.phase === 'Finalising') {
      this.act({ type: 'scaleTargetToZero' });
      this.setPhase('Succeeded');
      this.act({ type: 'postRolloutHooks', phase: 'Succeeded' });
      this.event('Normal', 'Synced', `Promotion completed! Scaling down ${canary.spec.targetRef.name}.${canary.metadata.namespace}`);
      return;
    }

    if ((this.status.failedChecks ?? 0) >= this.threshold) {
      this.rollback();
      return;
    }

    if (canaryWeight === 0 && (this.status.iterations ?? 0) === 0 && !(this.analysis.mirror && mirrored)) {
      this.event('Normal', 'Synced', `Starting canary analysis for ${canary.spec.targetRef.name}.${canary.metadata.namespace}`);
      if (!this.runHooks('pre-rollout', 'Progressing')) {
        this.setFailedChecks((this.status.failedChecks ?? 0) + 1);
        return;
      }
    } else {
      const verdict = this.runAnalysis();
      if (verdict === 'pause') return;
      if (verdict === 'failure') {
        this.setFailedChecks((this.status.failedChecks ?? 0) + 1);
        return;
      }
    }

    let analysis = this.analysis;
    if (input.provider === 'kubernetes') {
      if ((analysis.match ?? []).length > 0) {
        this.event('Warning', 'Synced', 'A/B testing is not supported when using the kubernetes provider');
        analysis = { ...analysis, match: [] };
      }
      if ((analysis.iterations ?? 0) < 1) {
        this.event('Warning', 'Synced', 'Progressive traffic is not supported when using the kubernetes provider');
        this.event('Warning', 'Synced', 'Setting canaryAnalysis.iterations: 10');
        analysis = { ...analysis, iterations: 10 };
      }
    }

    const iterations = analysis.iterations ?? 0;
    if ((analysis.match ?? []).length > 0 && iterations > 0) {
      this.runAB(analysis);
      return;
    }
    if (iterations > 0) {
      this.runBlueGreen(analysis, mirrored);
      return;
    }

    if (nextStepWeight(analysis, canaryWeight) > 0) {
      if (!mirrored && !this.runHooks('confirm-traffic-increase', 'Progressing', (hook) => `Halt ${this.id} advancement waiting for traffic increase approval ${hook.name}`)) return;
      this.runCanary(analysis, mirrored, canaryWeight, primaryWeight);
    }
  }

  // ---- strategies ----

  private runCanary(analysis: CanaryAnalysis, mirrored: boolean, canaryWeight: number, primaryWeight: number): void {
    const max = maxWeight(analysis);
    if (canaryWeight < max) {
      const step = nextStepWeight(analysis, canaryWeight);
      if (analysis.mirror && canaryWeight === 0) {
        if (!mirrored) {
          mirrored = true;
          primaryWeight = totalWeight;
          canaryWeight = 0;
        } else {
          mirrored = false;
          primaryWeight = totalWeight - step;
          canaryWeight = step;
        }
      } else {
        primaryWeight = Math.max(0, primaryWeight - step);
        canaryWeight = Math.min(totalWeight, canaryWeight + step);
      }
      this.act({ type: 'setRoutes', primaryWeight, canaryWeight, mirrored });
      this.setStatus({ canaryWeight });
      this.event('Normal', 'Synced', `Advance ${this.id} canary weight ${canaryWeight}`);
      return;
    }
    if (!this.confirmPromotion(analysis)) return;
    this.promote();
  }

  private runAB(analysis: CanaryAnalysis): void {
    const iterations = analysis.iterations ?? 0;
    const done = this.status.iterations ?? 0;
    if (iterations > done) {
      this.act({ type: 'setRoutes', primaryWeight: 0, canaryWeight: totalWeight, mirrored: false });
      this.setStatus({ iterations: done + 1 });
      this.event('Normal', 'Synced', `Advance ${this.id} canary iteration ${done + 1}/${iterations}`);
      return;
    }
    if (!this.confirmPromotion(analysis)) return;
    if (iterations === done) this.promote();
  }

  private runBlueGreen(analysis: CanaryAnalysis, mirrored: boolean): void {
    const iterations = analysis.iterations ?? 0;
    const done = this.status.iterations ?? 0;
    const routed = this.input.provider !== 'kubernetes';
    if (iterations > done) {
      if (routed && analysis.mirror && !mirrored) this.act({ type: 'setRoutes', primaryWeight: totalWeight, canaryWeight: 0, mirrored: true });
      this.setStatus({ iterations: done + 1 });
      this.event('Normal', 'Synced', `Advance ${this.id} canary iteration ${done + 1}/${iterations}`);
      return;
    }
    if (!this.confirmPromotion(analysis)) return;
    if (iterations === done) {
      if (routed) {
        this.event('Normal', 'Synced', analysis.mirror ? 'Stop traffic mirroring and route all traffic to canary' : 'Routing all traffic to canary');
        this.act({ type: 'setRoutes', primaryWeight: 0, canaryWeight: totalWeight, mirrored: false });
      }
      this.setStatus({ iterations: done + 1 });
      return;
    }
    if (iterations < done) this.promote();
  }

  private promotionTrafficShift(canaryWeight: number, primaryWeight: number): void {
    if (this.input.provider === 'kubernetes') {
      this.setPhase('Finalising');
      return;
    }
    const step = this.analysis.stepWeightPromotion ?? 0;
    if (step === 0) {
      this.event('Normal', 'Synced', 'Routing all traffic to primary');
      this.act({ type: 'setRoutes', primaryWeight: totalWeight, canaryWeight: 0, mirrored: false });
      this.setPhase('Finalising');
      return;
    }
    if (canaryWeight > 0) {
      primaryWeight = Math.min(totalWeight, primaryWeight + step);
      canaryWeight = Math.max(0, canaryWeight - step);
      this.act({ type: 'setRoutes', primaryWeight, canaryWeight, mirrored: false });
      this.event('Normal', 'Synced', `Advance ${this.id} primary weight ${primaryWeight}`);
      if (primaryWeight === totalWeight) this.setPhase('Finalising');
      else this.setStatus({ canaryWeight });
    }
  }

  private promote(): void {
    const { canary } = this;
    this.event('Normal', 'Synced', `Copying ${canary.spec.targetRef.name}.${canary.metadata.namespace} template spec to ${this.primaryName}.${canary.metadata.namespace}`);
    this.act({ type: 'promote' });
    this.setPhase('Promoting');
  }

  // ---- rollback ----

  private rollback(): void {
    const failedChecks = this.status.failedChecks ?? 0;
    if (failedChecks >= this.threshold) this.event('Warning', 'Synced', `Rolling back ${this.id} failed checks threshold reached ${failedChecks}`);
    this.act({ type: 'setRoutes', primaryWeight: totalWeight, canaryWeight: 0, mirrored: false });
    this.event('Warning', 'Synced', `Canary failed! Scaling down ${this.id}`);
    this.act({ type: 'scaleTargetToZero' });
    // Flagger's SyncStatus keeps failedChecks and iterations at 0 here: only phase and weight are given.
    this.syncStatus({ phase: 'Failed', canaryWeight: 0 }, 'error' in this.input.target ? undefined : this.input.target);
    this.act({ type: 'postRolloutHooks', phase: 'Failed' });
  }

  private failPromotion(message: string): void {
    this.event('Warning', 'Synced', `Promotion of ${this.canary.spec.targetRef.name}.${this.canary.metadata.namespace} failed, primary not ready: ${message}`);
    this.act({ type: 'setRoutes', primaryWeight: 0, canaryWeight: totalWeight, mirrored: false });
    this.syncStatus({ phase: 'Failed', canaryWeight: totalWeight }, 'error' in this.input.target ? undefined : this.input.target);
    this.act({ type: 'postRolloutHooks', phase: 'Failed' });
  }

  // ---- gates and analysis ----

  private confirmRollout(): boolean {
    for (const [index, hook] of this.hooks('confirm-rollout')) {
      const answer = this.ask({ kind: 'webhook', key: `webhook:${index}`, webhook: hook, phase: this.phase ?? 'Initializing' }) as WebhookAnswer;
      if (!answer.ok) {
        if (this.phase !== 'Waiting') {
          this.setPhase('Waiting');
          this.event('Warning', 'Synced', `Halt ${this.id} advancement waiting for approval ${hook.name}`);
        }
        return false;
      }
      this.event('Normal', 'Synced', `Confirm-rollout check ${hook.name} passed`);
    }
    return true;
  }

  private confirmPromotion(analysis: CanaryAnalysis): boolean {
    for (const [index, hook] of this.hooks('confirm-promotion')) {
      const answer = this.ask({ kind: 'webhook', key: `webhook:${index}`, webhook: hook, phase: 'Progressing' }) as WebhookAnswer;
      if (!answer.ok) {
        if (this.phase !== 'WaitingPromotion') {
          this.setPhase('WaitingPromotion', analysis);
          this.event('Warning', 'Synced', `Halt ${this.id} advancement waiting for promotion approval ${hook.name}`);
        } else {
          this.setStatus({ iterations: (analysis.iterations ?? 0) - 1 });
        }
        return false;
      }
      this.event('Normal', 'Synced', `Confirm-promotion check ${hook.name} passed`);
    }
    return true;
  }

  private rollbackRequested(): boolean {
    for (const [index, hook] of this.hooks('rollback')) {
      const answer = this.ask({ kind: 'webhook', key: `webhook:${index}`, webhook: hook, phase: this.phase! }) as WebhookAnswer;
      if (answer.ok) {
        this.event('Warning', 'Synced', `Rollback check ${hook.name} passed`);
        return true;
      }
      this.event('Normal', 'Synced', `Rollback hook ${hook.name} not signaling a rollback`);
    }
    return false;
  }

  /** Runs every hook of one type in order; false at the first that fails. */
  private runHooks(type: WebhookType, phase: CanaryPhase, halt?: (hook: CanaryWebhook) => string): boolean {
    for (const [index, hook] of this.hooks(type)) {
      const answer = this.ask({ kind: 'webhook', key: `webhook:${index}`, webhook: hook, phase }) as WebhookAnswer;
      if (!answer.ok) {
        this.event('Warning', 'Synced', halt ? halt(hook) : `Halt ${this.id} advancement ${type} check ${hook.name} failed ${answer.message ?? ''}`.trimEnd());
        return false;
      }
      if (type === 'pre-rollout') this.event('Normal', 'Synced', `Pre-rollout check ${hook.name} passed`);
      if (type === 'confirm-traffic-increase') this.event('Normal', 'Synced', `Confirm-traffic-increase check ${hook.name} passed`);
    }
    return true;
  }

  /** Rollout webhooks, then built-in and inline-query metrics, then templated ones (Flagger's order). */
  private runAnalysis(): 'success' | 'failure' | 'pause' {
    for (const [index, hook] of this.hooks('rollout')) {
      const answer = this.ask({ kind: 'webhook', key: `webhook:${index}`, webhook: hook, phase: 'Progressing' }) as WebhookAnswer;
      if (!answer.ok) {
        this.event('Warning', 'Synced', `Halt ${this.id} advancement external check ${hook.name} failed ${answer.message ?? ''}`.trimEnd());
        return 'failure';
      }
    }
    const metrics = this.analysis.metrics ?? [];
    const passes: [MetricSource, (metric: CanaryMetric) => boolean][] = [
      ['builtin', (metric) => isBuiltinMetric(metric.name)],
      ['query', (metric) => Boolean(metric.query)],
    ];
    for (let index = 0; index < metrics.length; index++) {
      const metric = metrics[index]!;
      for (const [source, applies] of passes) {
        if (!applies(metric)) continue;
        const verdict = this.checkMetric(metric, source, `metric:${source}:${index}`);
        if (verdict !== 'success') return verdict;
      }
    }
    for (let index = 0; index < metrics.length; index++) {
      const metric = metrics[index]!;
      if (metric.templateRef) {
        const verdict = this.checkMetric(metric, 'template', `metric:template:${index}`);
        if (verdict !== 'success') return verdict;
      } else if (!isBuiltinMetric(metric.name) && !metric.query) {
        this.event('Warning', 'Synced', 'Metric query failed for no usable metrics template and query were configured');
        return 'failure';
      }
    }
    return 'success';
  }

  private checkMetric(metric: CanaryMetric, source: MetricSource, key: string): 'success' | 'failure' | 'pause' {
    const answer = this.ask({ kind: 'metric', key, metric, source }) as MetricAnswer;
    const outcome = evaluateMetric(metric, source, answer);
    if (outcome.outcome === 'success') return 'success';
    if (outcome.outcome === 'inconclusive') {
      if (this.analysis.onInconclusive === 'Pause') {
        this.event('Normal', 'Inconclusive', `Paused ${this.id} analysis: no values found for metric ${metric.name} (${outcome.message}); onInconclusive is Pause`);
        return 'pause';
      }
      this.event('Warning', 'Synced', `Halt advancement no values found for metric ${metric.name} probably ${this.canary.spec.targetRef.name}.${this.canary.metadata.namespace} is not receiving traffic: ${outcome.message}`);
      return 'failure';
    }
    this.event('Warning', 'Synced', `Halt ${this.id} advancement ${outcome.message}`);
    return 'failure';
  }

  // ---- revision tracking ----

  /** Flagger's HasTargetChanged || HaveDependenciesChanged. */
  private hasTargetChanged(target: TargetObservation): boolean {
    const { lastAppliedSpec, lastPromotedSpec, trackedConfigs } = this.status;
    let templateChanged: boolean;
    if (!lastAppliedSpec) templateChanged = true;
    // A manual rollback to the promoted template does not start an analysis.
    else if (lastPromotedSpec === target.revision) templateChanged = false;
    else templateChanged = lastAppliedSpec !== target.revision;
    if (templateChanged) return true;
    const current = Object.entries(target.trackedConfigs);
    if (current.length === 0 && trackedConfigs === undefined) return false;
    if (current.length > 0 && trackedConfigs === undefined) return true;
    if (current.length !== Object.keys(trackedConfigs!).length) return true;
    return current.some(([name, checksum]) => trackedConfigs![name] !== checksum);
  }

  // ---- status writes, as Flagger's SyncStatus / SetStatusPhase / SetStatus* make them ----

  /** SyncStatus: phase, weight, failed checks and iterations together, with the revision observed. */
  private syncStatus(
    values: { phase: CanaryPhase; canaryWeight?: number; failedChecks?: number; iterations?: number },
    target: TargetObservation | undefined,
    options: { quiet?: boolean } = {},
  ): void {
    const next: CanaryStatus = {
      ...this.status,
      phase: values.phase,
      canaryWeight: values.canaryWeight ?? 0,
      failedChecks: values.failedChecks ?? 0,
      iterations: values.iterations ?? 0,
      ...(target ? { lastAppliedSpec: target.revision, trackedConfigs: { ...target.trackedConfigs } } : {}),
      ...(values.phase === 'Initialized' && target ? { lastPromotedSpec: target.revision } : {}),
      lastTransitionTime: this.input.now.toISOString(),
      conditions: this.conditionsFor(values.phase),
    };
    // The failed state is re-synced every tick; only a changed revision is worth a write.
    if (options.quiet && next.lastAppliedSpec === this.status.lastAppliedSpec && sameConfigs(next.trackedConfigs, this.status.trackedConfigs)) return;
    this.writeStatus(next);
  }

  /** SetStatusPhase: some phases reset the weight and iterations; promotion records the promoted spec. */
  private setPhase(phase: CanaryPhase, analysis: CanaryAnalysis = this.analysis): void {
    let next: CanaryStatus = { ...this.status, phase, lastTransitionTime: this.input.now.toISOString(), conditions: this.conditionsFor(phase) };
    if (phase !== 'Progressing' && phase !== 'Waiting' && phase !== 'Promoting') {
      next = { ...next, canaryWeight: 0, iterations: phase === 'WaitingPromotion' ? (analysis.iterations ?? 0) - 1 : 0 };
    }
    if (phase === 'Initialized' || phase === 'Succeeded') next = { ...next, lastPromotedSpec: this.status.lastAppliedSpec };
    this.writeStatus(next);
  }

  private setStatus(values: Partial<Pick<CanaryStatus, 'canaryWeight' | 'iterations' | 'failedChecks'>>): void {
    this.writeStatus({ ...this.status, ...values, lastTransitionTime: this.input.now.toISOString() });
  }

  private setFailedChecks(failedChecks: number): void {
    this.setStatus({ failedChecks });
  }

  private consumeRequest(request: ManualRequest, values: Partial<CanaryStatus>): void {
    const { request: _consumed, ...rest } = this.status;
    this.status = { ...rest, ...values, lastRequest: request };
    this.replaceStatusWrite();
  }

  private ignoreRequest(request: ManualRequest, why: string): void {
    this.event('Warning', 'ManualRequest', `Ignored ${request.action} request for ${this.id}: ${why}`);
    this.consumeRequest(request, {});
  }

  /** One status write per tick is enough: later writes in the same tick replace earlier ones in place. */
  private writeStatus(next: CanaryStatus): void {
    this.status = next;
    this.replaceStatusWrite();
  }

  private replaceStatusWrite(): void {
    const index = this.actions.findIndex((action) => action.type === 'updateStatus');
    const action: Action = { type: 'updateStatus', status: this.status };
    if (index >= 0) this.actions.splice(index, 1);
    this.actions.push(action);
  }

  /** Flagger's `Promoted` condition (reason = phase) and kstatus `Ready`. */
  private conditionsFor(phase: CanaryPhase): Condition[] {
    const kind = this.canary.spec.targetRef.kind;
    const promoted: Record<CanaryPhase, [Condition['status'], string]> = {
      Initializing: ['Unknown', `New ${kind} detected, starting initialization.`],
      Initialized: ['True', `${kind} initialization completed.`],
      Waiting: ['Unknown', 'Waiting for approval.'],
      WaitingPromotion: ['Unknown', 'Waiting for approval.'],
      Progressing: ['Unknown', 'New revision detected, progressing canary analysis.'],
      Promoting: ['Unknown', 'Canary analysis completed, starting primary rolling update.'],
      Finalising: ['Unknown', 'Canary analysis completed, routing all traffic to primary.'],
      Succeeded: ['True', 'Canary analysis completed successfully, promotion finished.'],
      Failed: ['False', `Canary analysis failed, ${kind} scaled to zero.`],
      Terminating: ['Unknown', 'Canary is being deleted.'],
      Terminated: ['Unknown', 'Canary deleted.'],
    };
    const [status, message] = promoted[phase];
    const generation = this.canary.metadata.generation;
    let conditions = setCondition(this.status.conditions, { type: 'Promoted', status, reason: phase, message }, this.input.now);
    conditions = setCondition(conditions, { type: 'Ready', status, reason: phase, message, observedGeneration: generation }, this.input.now);
    return conditions;
  }

  // ---- small helpers ----

  private get threshold(): number {
    return this.analysis.threshold > 0 ? this.analysis.threshold : 1;
  }

  private get primaryName(): string {
    return `${this.canary.spec.targetRef.name}-primary`;
  }

  private *hooks(type: WebhookType): Generator<[number, CanaryWebhook]> {
    const hooks = this.analysis.webhooks ?? [];
    for (let index = 0; index < hooks.length; index++) {
      const hook = hooks[index]!;
      const hookType = hook.type ?? 'rollout';
      if (hookType === type) yield [index, hook];
    }
  }

  private ask(check: Check): CheckAnswer {
    const answer = this.input.answers.get(check.key);
    if (answer === undefined) throw new NeedsAnswer(check);
    return answer;
  }

  private act(action: Action): void {
    this.actions.push(action);
  }

  private event(severity: 'Normal' | 'Warning', reason: string, message: string): void {
    this.actions.push({ type: 'event', severity, reason, message });
  }
}

function sameConfigs(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const left = Object.entries(a ?? {});
  if (left.length !== Object.keys(b ?? {}).length) return false;
  return left.every(([key, value]) => b?.[key] === value);
}
