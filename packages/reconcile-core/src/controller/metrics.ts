import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ControllerObserver } from './controller.js';
import type { ReconcileOutcome } from './reconciler.js';

const reconcileBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60];
const queueBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000];

/**
 * Prometheus metrics of controllers under controller-runtime's names, so existing dashboards
 * and alerts work unchanged.
 *
 * @remarks
 * Series: `controller_runtime_reconcile_total{controller,result}`,
 * `controller_runtime_reconcile_errors_total{controller}`,
 * `controller_runtime_terminal_reconcile_errors_total{controller}`,
 * `controller_runtime_reconcile_time_seconds{controller}`, `controller_runtime_active_workers`,
 * `controller_runtime_max_concurrent_reconciles`, `workqueue_depth{name,controller}`,
 * `workqueue_adds_total`, `workqueue_queue_duration_seconds`, `workqueue_work_duration_seconds`,
 * `workqueue_retries_total` and `leader_election_master_status{name}`. A reconcile whose object
 * vanished from the cache (`missing`) counts as `success`, as controller-runtime's NotFound path does.
 * Uses its own registry (never prom-client's global one), so two managers in one process do not clash.
 *
 * @example
 * ```ts
 * import { ControllerMetrics } from '@weft/reconcile-core';
 * const metrics = new ControllerMetrics();
 * web.run({ kubeConfig, observer: metrics }).subscribe();
 * const text = await metrics.registry.metrics();
 * ```
 */
export class ControllerMetrics implements ControllerObserver {
  readonly registry: Registry;
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly terminalErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly activeWorkers: Gauge<'controller'>;
  private readonly maxConcurrent: Gauge<'controller'>;
  private readonly depth: Gauge<'name' | 'controller'>;
  private readonly adds: Counter<'name' | 'controller'>;
  private readonly queueDuration: Histogram<'name' | 'controller'>;
  private readonly workDuration: Histogram<'name' | 'controller'>;
  private readonly retries: Counter<'name' | 'controller'>;
  private readonly leaderStatus: Gauge<'name'>;

  constructor(registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers });
    this.reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers });
    this.terminalErrors = new Counter({ name: 'controller_runtime_terminal_reconcile_errors_total', help: 'Total number of terminal reconciliation errors per controller', labelNames: ['controller'], registers });
    this.reconcileTime = new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Length of time per reconciliation per controller', labelNames: ['controller'], buckets: reconcileBuckets, registers });
    this.activeWorkers = new Gauge({ name: 'controller_runtime_active_workers', help: 'Number of currently used workers per controller', labelNames: ['controller'], registers });
    this.maxConcurrent = new Gauge({ name: 'controller_runtime_max_concurrent_reconciles', help: 'Maximum number of concurrent reconciles per controller', labelNames: ['controller'], registers });
    this.depth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name', 'controller'], registers });
    this.adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name', 'controller'], registers });
    this.queueDuration = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name', 'controller'], buckets: queueBuckets, registers });
    this.workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name', 'controller'], buckets: queueBuckets, registers });
    this.retries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name', 'controller'], registers });
    this.leaderStatus = new Gauge({ name: 'leader_election_master_status', help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master', labelNames: ['name'], registers });
  }

  /** {@inheritDoc ControllerObserver.started} */
  started(controller: string, concurrency: number): void {
    this.maxConcurrent.set({ controller }, concurrency);
    this.activeWorkers.set({ controller }, 0);
    this.depth.set({ name: controller, controller }, 0);
  }

  /** {@inheritDoc ControllerObserver.queue} */
  queue(controller: string): ReturnType<ControllerObserver['queue']> {
    const labels = { name: controller, controller };
    return {
      onAdd: () => this.adds.inc(labels),
      onRetry: () => this.retries.inc(labels),
      onQueued: (_key, depth) => this.depth.set(labels, depth),
      onStarted: (_key, waitedMs, depth, active) => {
        this.depth.set(labels, depth);
        this.queueDuration.observe(labels, waitedMs / 1000);
        this.activeWorkers.set({ controller }, active);
      },
      onFinished: (_key, tookMs, active) => {
        this.workDuration.observe(labels, tookMs / 1000);
        this.activeWorkers.set({ controller }, active);
      },
    };
  }

  /** {@inheritDoc ControllerObserver.reconciled} */
  reconciled(outcome: ReconcileOutcome): void {
    const controller = outcome.controller;
    this.reconcileTotal.inc({ controller, result: outcome.result === 'missing' ? 'success' : outcome.result });
    this.reconcileTime.observe({ controller }, outcome.durationMs / 1000);
    if (outcome.result === 'error') {
      this.reconcileErrors.inc({ controller });
      if (outcome.terminal) this.terminalErrors.inc({ controller });
    }
  }

  /** Sets `leader_election_master_status{name}` (1 while leading). */
  leader(name: string, leading: boolean): void {
    this.leaderStatus.set({ name }, leading ? 1 : 0);
  }
}
