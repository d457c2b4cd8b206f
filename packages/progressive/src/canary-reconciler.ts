/**
 * The ready-made Canary reconciler: on every analysis interval it observes the target, the
 * primary and the routes, runs {@link advance} (answering its checks with the webhooks and metric
 * providers), and carries out the actions. It decides nothing itself.
 */
import { controller, isNotFoundError, parseDuration, Reconciler, requeueAfter, SecretKind, type Controller, type ControllerOptions, type KubeClient, type ReconcileContext, type Result } from '@weft/reconcile-core';
import { advance, type Action, type Check, type CheckAnswer, type RouteObservation } from './advance.js';
import type { Canary, CanaryStatus, MetricTemplate, RouterProvider } from './canary-types.js';
import { AppliedMemo, executeWorkloadAction, observeRoutes, observeWorkload } from './cluster-state.js';
import { httpJsonProvider, prometheusProvider, builtinQuery, type MetricProvider } from './metric-provider.js';
import type { MetricAnswer } from './metric-evaluation.js';
import { queryModel, renderQuery } from './query-template.js';
import { CanaryKind, MetricTemplateKind } from './resources.js';
import { gatewayApiRouter } from './router-gateway-api.js';
import { ingressNginxRouter } from './router-ingress-nginx.js';
import { serviceRouter } from './router-service.js';
import type { Router } from './router.js';
import { callWebhook, webhookPayload } from './webhooks.js';

/** Options of {@link CanaryReconciler}. */
export interface CanaryReconcilerOptions {
  /** The router of Canaries without `spec.provider` (Flagger's `-mesh-provider`). @defaultValue `'kubernetes'` */
  readonly defaultProvider?: RouterProvider;
  /** Prometheus for the built-in metrics and inline queries (Flagger's `-metrics-server`). */
  readonly metricsServer?: string;
  /** Pod labels that name a target's pods (Flagger's `-selector-labels`). */
  readonly selectorLabels?: readonly string[];
  /**
   * The shortest analysis interval honoured; Flagger's is 10 s. Lower it only for tests and
   * demos whose clusters react in milliseconds. @defaultValue `'10s'`
   */
  readonly minInterval?: string;
  /** Where every Canary event is also POSTed, unless the Canary has `event` webhooks (Flagger's `-event-webhook`). */
  readonly eventWebhook?: string;
  /** Replaces the routers (tests, other meshes). */
  readonly routers?: Partial<Record<RouterProvider, (client: KubeClient) => Router>>;
  /** The clock; tests pass a fake one. */
  readonly now?: () => Date;
  /**
   * How often a generated object whose desired state has not changed is applied again anyway,
   * repairing drift (Flagger compares on every tick). @defaultValue `'5m'`
   */
  readonly reapplyAfter?: string;
}

/** Flagger's default analysis interval and metric interval. */
const defaultIntervalMs = 60_000;
const defaultMetricInterval = '1m';

/**
 * Reconciles `Canary` objects as Flagger's scheduler does, one analysis tick per interval.
 *
 * @remarks
 * Guarantees: one tick per Canary per interval whatever the events (a status write does not
 * start an extra tick); within a tick, webhooks and metrics are asked in Flagger's order and
 * only as far as needed; the actions are carried out in order and the tick stops at the first
 * that fails (the next tick observes again and decides afresh); the status is written once per
 * tick, with the Canary's resourceVersion, so a concurrent manual request is never lost.
 *
 * Caveats: the tick state (when the next tick is due) is in memory; after a restart or a
 * leader change the first tick of each Canary comes one interval after it is first seen, as
 * Flagger's jobs start.
 */
export class CanaryReconciler extends Reconciler<Canary> {
  private readonly nextTick = new Map<string, number>();
  private readonly now: () => Date;
  private readonly minIntervalMs: number;
  private readonly applied: AppliedMemo;

  constructor(private readonly options: CanaryReconcilerOptions = {}) {
    super();
    this.now = options.now ?? (() => new Date());
    this.minIntervalMs = parseDuration(options.minInterval ?? '10s');
    this.applied = new AppliedMemo(parseDuration(options.reapplyAfter ?? '5m'), () => this.now().getTime());
  }

  /** The analysis interval of a Canary, with Flagger's default (1m) and floor. */
  intervalOf(canary: Canary): number {
    let interval = defaultIntervalMs;
    try {
      if (canary.spec.analysis?.interval) interval = parseDuration(canary.spec.analysis.interval);
    } catch {
      interval = defaultIntervalMs;
    }
    return Math.max(interval, this.minIntervalMs);
  }

  async reconcile(canary: Canary, context: ReconcileContext<Canary>): Promise<Result> {
    const key = context.key;
    const interval = this.intervalOf(canary);
    const now = this.now().getTime();
    // A new Canary is marked Initializing at once, as Flagger's informer handler does; its first tick comes one interval later.
    if (!canary.status?.conditions) {
      await context.client.patchStatus(CanaryKind, canary.metadata.name, { status: { phase: 'Initializing', conditions: [{ type: 'Promoted', status: 'Unknown', reason: 'Initializing', message: `New ${canary.spec.targetRef.kind} detected, starting initialization.`, lastTransitionTime: new Date(now).toISOString() }], lastTransitionTime: new Date(now).toISOString() } }, { namespace: canary.metadata.namespace, type: 'merge', signal: context.signal });
      this.nextTick.set(key, now + interval);
      return requeueAfter(interval);
    }
    const due = this.nextTick.get(key);
    if (due === undefined) {
      this.nextTick.set(key, now + interval);
      return requeueAfter(interval);
    }
    if (now < due) return requeueAfter(due - now);
    this.nextTick.set(key, now + interval);
    await this.tick(canary, context);
    return requeueAfter(interval);
  }

  /** Forgets a deleted Canary's schedule. */
  forget(key: string): void {
    this.nextTick.delete(key);
    this.applied.forget(`${key}/`);
  }

  /** One analysis tick: observe, decide, act. Exposed for tests and tools that drive ticks themselves. */
  async tick(canary: Canary, context: Pick<ReconcileContext<Canary>, 'client' | 'signal' | 'recorder' | 'logger'>): Promise<CanaryStatus> {
    const { client, signal } = context;
    const now = this.now();
    const provider = canary.spec.provider ?? this.options.defaultProvider ?? 'kubernetes';
    const router = this.routerFor(provider, client);
    const workload = await observeWorkload(client, canary, now, { signal, ...(this.options.selectorLabels ? { selectorLabels: this.options.selectorLabels } : {}) });
    let routes: RouteObservation = { primaryWeight: 100, canaryWeight: 0, mirrored: false };
    if (!('error' in workload.observation)) {
      try {
        routes = await observeRoutes(router, canary, signal);
      } catch (error) {
        // The routing objects are gone or unreadable: rebuild them at the next tick, whatever the memo says.
        this.applied.forget(`${canary.metadata.namespace}/${canary.metadata.name}/`);
        throw error;
      }
    }
    const answers = new Map<string, CheckAnswer>();
    let decision = advance({ canary, provider, target: workload.observation, primary: workload.primaryReadiness, routes, answers, now });
    while (decision.kind === 'check') {
      answers.set(decision.check.key, await this.answer(decision.check, canary, provider, client, signal));
      decision = advance({ canary, provider, target: workload.observation, primary: workload.primaryReadiness, routes, answers, now });
    }
    for (const action of decision.actions) {
      try {
        await this.execute(action, canary, provider, router, workload, context);
      } catch (error) {
        signal.throwIfAborted();
        await this.event(canary, 'Warning', 'ActionFailed', `${action.type} failed: ${(error as Error).message}`, context);
        if (action.type !== 'event' && action.type !== 'postRolloutHooks') {
          this.applied.forget(`${canary.metadata.namespace}/${canary.metadata.name}/`);
          throw error;
        }
      }
    }
    return decision.status;
  }

  private routerFor(provider: RouterProvider, client: KubeClient): Router {
    const custom = this.options.routers?.[provider];
    if (custom) return custom(client);
    if (provider === 'gatewayapi:v1') return gatewayApiRouter(client);
    if (provider === 'nginx') return ingressNginxRouter(client);
    return serviceRouter();
  }

  private async execute(action: Action, canary: Canary, provider: RouterProvider, router: Router, workload: Awaited<ReturnType<typeof observeWorkload>>, context: Pick<ReconcileContext<Canary>, 'client' | 'signal' | 'recorder' | 'logger'>): Promise<void> {
    const { client, signal } = context;
    switch (action.type) {
      case 'updateStatus':
        await writeStatus(client, canary, action.status, signal);
        return;
      case 'event':
        await this.event(canary, action.severity, action.reason, action.message, context);
        return;
      case 'postRolloutHooks': {
        const current = { ...canary, status: { ...canary.status, phase: action.phase } };
        for (const hook of canary.spec.analysis?.webhooks ?? []) {
          if (hook.type !== 'post-rollout') continue;
          const answer = await callWebhook(hook, webhookPayload(current, action.phase, hook.metadata), { signal });
          await this.event(canary, answer.ok ? 'Normal' : 'Warning', 'Synced', answer.ok ? `Post-rollout check ${hook.name} passed` : `Post-rollout hook ${hook.name} failed ${answer.message ?? ''}`, context);
        }
        return;
      }
      default:
        void provider;
        await executeWorkloadAction(action, canary, workload, { client, router, signal, applied: this.applied });
    }
  }

  private async answer(check: Check, canary: Canary, provider: RouterProvider, client: KubeClient, signal: AbortSignal): Promise<CheckAnswer> {
    if (check.kind === 'webhook') return callWebhook(check.webhook, webhookPayload(canary, check.phase, check.webhook.metadata), { signal });
    const metric = check.metric;
    const model = queryModel(canary, metric.interval ?? defaultMetricInterval, metric.templateVariables);
    try {
      if (check.source === 'builtin') {
        const server = canary.spec.metricsServer ?? this.options.metricsServer;
        if (!server) return { kind: 'error', message: 'no metrics server configured for the built-in metrics' };
        const builtin = builtinQuery(provider, metric.name as 'request-success-rate' | 'request-duration');
        const answer = await prometheusProvider({ address: server }).query(renderQuery(builtin.template, model), { signal });
        return answer.kind === 'value' ? { kind: 'value', value: builtin.toThresholdUnit(answer.value) } : answer;
      }
      if (check.source === 'query') {
        const server = canary.spec.metricsServer ?? this.options.metricsServer;
        if (!server) return { kind: 'error', message: 'no metrics server configured for inline queries' };
        return await prometheusProvider({ address: server }).query(renderQuery(metric.query!, model), { signal });
      }
      const ref = metric.templateRef!;
      const namespace = ref.namespace || canary.metadata.namespace;
      let template: MetricTemplate;
      try {
        template = await client.get(MetricTemplateKind, ref.name, { namespace, signal });
      } catch (error) {
        if (isNotFoundError(error)) return { kind: 'error', message: `Metric template ${ref.name}.${namespace} error: not found` };
        throw error;
      }
      const templated = await this.templateProvider(template, model, client, signal);
      return await templated.query(renderQuery(template.spec.query, model), { signal });
    } catch (error) {
      signal.throwIfAborted();
      return { kind: 'error', message: (error as Error).message } satisfies MetricAnswer;
    }
  }

  private async templateProvider(template: MetricTemplate, model: ReturnType<typeof queryModel>, client: KubeClient, signal: AbortSignal): Promise<MetricProvider> {
    const { provider } = template.spec;
    const credentials: { token?: string; username?: string; password?: string } = {};
    if (provider.secretRef) {
      const secret = await client.get(SecretKind, provider.secretRef.name, { namespace: template.metadata.namespace, signal });
      const decode = (key: string) => (secret.data?.[key] !== undefined ? Buffer.from(secret.data[key]!, 'base64').toString('utf8') : undefined);
      const token = decode('token');
      if (token !== undefined) credentials.token = token;
      else {
        const username = decode('username');
        const password = decode('password');
        if (username === undefined || password === undefined) throw new Error(`${provider.type} credentials in secret ${provider.secretRef.name} hold neither a token nor a username and password`);
        credentials.username = username;
        credentials.password = password;
      }
    }
    const headers = Object.fromEntries(Object.entries(provider.headers ?? {}).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));
    const address = provider.type === 'http' ? renderQuery(provider.address ?? '', model) : (provider.address ?? this.options.metricsServer ?? '');
    if (!address) throw new Error(`MetricTemplate ${template.metadata.namespace}/${template.metadata.name}: provider.address is required`);
    const options = { address, headers, ...credentials };
    return provider.type === 'http' ? httpJsonProvider(options) : prometheusProvider(options);
  }

  private async event(canary: Canary, severity: 'Normal' | 'Warning', reason: string, message: string, context: Pick<ReconcileContext<Canary>, 'recorder' | 'logger' | 'signal'>): Promise<void> {
    context.logger.info({ canary: `${canary.metadata.name}.${canary.metadata.namespace}`, reason }, message);
    try {
      await context.recorder?.event(canary, severity, reason, message);
    } catch {
      // Events are best effort.
    }
    const hooks = (canary.spec.analysis?.webhooks ?? []).filter((hook) => hook.type === 'event');
    const targets = hooks.length > 0 ? hooks : this.options.eventWebhook ? [{ name: 'events', url: this.options.eventWebhook }] : [];
    for (const hook of targets) {
      const metadata = { ...(hook.metadata ?? {}), eventMessage: message, eventType: severity, timestamp: String(this.now().getTime()) };
      await callWebhook(hook, webhookPayload(canary, canary.status?.phase ?? 'Initializing', metadata), { signal: context.signal });
    }
  }
}

/**
 * Writes a tick's status with a merge patch guarded by the Canary's resourceVersion; a manual
 * request the tick consumed is removed (`null`), one it did not see is left alone.
 */
async function writeStatus(client: KubeClient, canary: Canary, status: CanaryStatus, signal: AbortSignal): Promise<void> {
  const patch: Record<string, unknown> = { ...status };
  if (canary.status?.request && !status.request) patch['request'] = null;
  await client.patchStatus(CanaryKind, canary.metadata.name, { metadata: { resourceVersion: canary.metadata.resourceVersion }, status: patch }, { namespace: canary.metadata.namespace, type: 'merge', signal });
}

/** Options of {@link canaryController}. */
export interface CanaryControllerOptions extends CanaryReconcilerOptions {
  readonly controller?: ControllerOptions<Canary>;
}

/**
 * The Canary controller, ready for a `Manager` (which brings leader election on a Lease, metrics
 * and graceful shutdown).
 *
 * @example
 * ```ts
 * import { Manager } from '@weft/reconcile-core';
 * import { canaryController } from '@weft/progressive';
 *
 * const manager = new Manager({ kubeConfig, leaderElection: { name: 'weft-progressive' } });
 * manager.add(canaryController({ defaultProvider: 'gatewayapi:v1', metricsServer: 'http://prometheus:9090' }));
 * await manager.start({ signal });
 * ```
 */
export function canaryController(options: CanaryControllerOptions = {}): Controller<Canary> {
  return controller(CanaryKind, options.controller ?? {}).reconcile(new CanaryReconciler(options));
}
