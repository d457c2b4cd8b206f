import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { KubeClient } from './client/kube-client.js';
import type { Controller } from './controller.js';
import { type Duration, parseDuration } from './duration.js';
import { WeftError } from './errors.js';
import { type HealthServer, serveHealth } from './health.js';
import { createLogger } from './logging.js';
import { ControllerMetrics } from './metrics.js';
import type { ContextRecorder, ReconcileOutcome } from './reconciler.js';
import { type ShardSpec, shardSelector } from './sharding.js';
import { kubeTransport } from './watch.js';

/** Options of a {@link Manager}. */
export interface ManagerOptions {
  readonly kubeConfig: KubeConfig;
  /** Serve `/metrics`, `/healthz` and `/readyz` on this port (0: any free port). Absent: no server. */
  readonly metrics?: { readonly port: number; readonly host?: string };
  /** Only handle objects of this shard (Flux's `sharding.fluxcd.io/key`); see {@link shardSelector}. */
  readonly shard?: ShardSpec;
  /**
   * Run controllers only while holding a Lease. Requires core-api's `LeaderElector`, which this
   * build does not have yet: setting it makes `start()` reject with a {@link ManagerError}.
   */
  readonly leaderElection?: { readonly name: string; readonly namespace?: string };
  /** How long in-flight reconciles may take to finish on shutdown before they are aborted. @defaultValue '30s' */
  readonly gracefulShutdownTimeout?: Duration;
  /** Stop on SIGTERM and SIGINT. @defaultValue true */
  readonly handleSignals?: boolean;
  /** @defaultValue {@link createLogger}() */
  readonly logger?: Logger;
  readonly recorder?: ContextRecorder;
  /** Receives every controller's outcomes (tests, custom reporting). */
  readonly onOutcome?: (outcome: ReconcileOutcome) => void;
}

/** A manager that cannot start as configured, or was started twice. */
export class ManagerError extends WeftError {
  override name = 'ManagerError';
}

/**
 * Runs controllers together: shared client and transport, metrics, health probes, sharding and
 * graceful shutdown, as controller-runtime's `Manager`.
 *
 * @remarks
 * Guarantees on shutdown (the `signal` of `start`, SIGTERM or SIGINT): watches stop and queued
 * keys are dropped at once; in-flight reconciles get `gracefulShutdownTimeout` to finish, then
 * their signals abort; the health server closes; `start()` resolves after all of that.
 * Caveat: leader election is not wired in yet (it needs core-api's `LeaderElector`).
 *
 * @example
 * ```ts
 * const manager = new Manager({ kubeConfig, metrics: { port: 8080 } });
 * manager.add(controller(WebAppKind).owns(DeploymentKind).reconcile(new WebReconciler()));
 * await manager.start({ signal });
 * ```
 */
export class Manager {
  /** The metrics every controller of this manager reports to. */
  readonly metrics = new ControllerMetrics();
  readonly logger: Logger;
  private readonly controllers: Controller<any>[] = [];
  private started = false;
  private health: HealthServer | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.logger = options.logger ?? createLogger();
  }

  /** Adds a controller; call before {@link Manager.start}. */
  add(controller: Controller<any>): this {
    if (this.started) throw new ManagerError(`controller ${controller.name} added after start`);
    if (this.controllers.some((existing) => existing.name === controller.name)) throw new ManagerError(`two controllers named ${controller.name}; give one a { name }`);
    this.controllers.push(controller);
    return this;
  }

  /** The port of the health and metrics server, once started. */
  get healthPort(): number | undefined {
    return this.health?.port;
  }

  /** Whether every controller's cache has synced. */
  get ready(): boolean {
    return this.started && this.controllers.every((controller) => controller.store?.isReady ?? false);
  }

  /**
   * Runs every controller until `signal` aborts (or SIGTERM/SIGINT), then shuts down gracefully.
   *
   * @throws {@link ManagerError} when started twice or with leader election; the health server's listen error.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.started) throw new ManagerError('manager already started');
    if (this.options.leaderElection) throw new ManagerError('leader election needs core-api LeaderElector, not available in this build');
    this.started = true;
    const stop = new AbortController();
    const onStop = () => stop.abort(options.signal?.reason);
    if (options.signal?.aborted) return;
    options.signal?.addEventListener('abort', onStop, { once: true });
    const handleSignals = this.options.handleSignals ?? true;
    const onProcessSignal = (name: NodeJS.Signals) => {
      this.logger.info({ signal: name }, 'shutting down');
      stop.abort(new ManagerError(`received ${name}`));
    };
    if (handleSignals) {
      process.once('SIGTERM', onProcessSignal);
      process.once('SIGINT', onProcessSignal);
    }
    const client = new KubeClient(this.options.kubeConfig);
    const transport = kubeTransport(this.options.kubeConfig);
    const subscriptions: Subscription[] = [];
    try {
      if (this.options.metrics) {
        this.health = await serveHealth({ port: this.options.metrics.port, host: this.options.metrics.host, registry: this.metrics.registry, ready: () => this.ready });
        this.logger.info({ port: this.health.port }, 'serving metrics and health probes');
      }
      const labelSelector = this.options.shard === undefined ? undefined : shardSelector(this.options.shard);
      const finished = this.controllers.map(
        (controller) =>
          new Promise<void>((resolve) => {
            this.logger.info({ controller: controller.name, labelSelector }, 'starting controller');
            subscriptions.push(
              controller
                .run({ kubeConfig: this.options.kubeConfig, transport, client, logger: this.logger, labelSelector, stopSignal: stop.signal, observer: this.metrics, recorder: this.options.recorder })
                .subscribe({ next: (outcome) => this.options.onOutcome?.(outcome), complete: resolve, error: resolve }),
            );
          }),
      );
      await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
      const graceMs = parseDuration(this.options.gracefulShutdownTimeout ?? '30s');
      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => (graceTimer = setTimeout(() => resolve('timeout'), graceMs)));
      const ended = await Promise.race([Promise.all(finished).then(() => 'drained' as const), graceOver]);
      clearTimeout(graceTimer);
      if (ended === 'timeout') this.logger.warn({ gracefulShutdownTimeoutMs: graceMs }, 'in-flight reconciles did not finish in time; aborting them');
    } finally {
      for (const subscription of subscriptions) subscription.unsubscribe();
      options.signal?.removeEventListener('abort', onStop);
      if (handleSignals) {
        process.off('SIGTERM', onProcessSignal);
        process.off('SIGINT', onProcessSignal);
      }
      await this.health?.close();
      client.close();
      transport.close();
      this.logger.info('manager stopped');
    }
  }
}
