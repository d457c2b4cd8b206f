import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { KubeClient } from './client/kube-client.js';
import type { Controller } from './controller.js';
import { type Duration, parseDuration } from './duration.js';
import { WeftError } from './errors.js';
import { type HealthServer, serveHealth } from './health.js';
import { createLogger } from './logging.js';
import { type LeaderElectionOptions, LeaderElector } from './leader-election.js';
import { ControllerMetrics } from './metrics.js';
import type { ContextRecorder, ReconcileOutcome } from './reconciler.js';
import { type ShardSpec, shardSelector } from './sharding.js';
import { kubeTransport } from './watch.js';

/**
 * Options of a {@link Manager}.
 *
 * @remarks Only `kubeConfig` is required.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * new Manager({ kubeConfig, leaderElection: { name: 'web-operator', namespace: 'operators' }, metrics: { port: 8080 }, shard: 'shard1' });
 * ```
 */
export interface ManagerOptions {
  readonly kubeConfig: KubeConfig;
  /** Serve `/metrics`, `/healthz` and `/readyz` on this port (0: any free port). Absent: no server. */
  readonly metrics?: { readonly port: number; readonly host?: string };
  /** Only handle objects of this shard (Flux's `sharding.fluxcd.io/key`); see {@link shardSelector}. */
  readonly shard?: ShardSpec;
  /**
   * Run controllers only while holding this `coordination.k8s.io` Lease (defaults: 15 s lease,
   * 10 s renew deadline, 2 s retry; namespace `default`). The lease is released on shutdown after
   * in-flight reconciles finish.
   */
  readonly leaderElection?: Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading'>;
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

/**
 * A manager that cannot start as configured, or was started twice.
 *
 * @remarks Not retryable: a programming error.
 * @throws Never (a type).
 *
 * @example
 * ```ts
 * manager.start().catch((error) => { if (error instanceof ManagerError) console.error(error.message); });
 * ```
 */
export class ManagerError extends WeftError {
  override name = 'ManagerError';
}

/**
 * The manager lost its Lease while leading: its controllers were stopped, as controller-runtime
 * exits on `leader election lost`.
 *
 * @remarks Retryable: restart the process (or a new Manager) to compete again.
 * @throws Never (a type).
 * @example
 * ```ts
 * await manager.start({ signal }).catch((error) => { if (error instanceof LeadershipLostError) process.exit(1); throw error; });
 * ```
 */
export class LeadershipLostError extends WeftError {
  override name = 'LeadershipLostError';
  constructor(readonly lease: string) {
    super(`leader election lost: lease ${lease} is no longer held by this replica`, { retryable: true });
  }
}

/**
 * Runs controllers together: shared client and transport, metrics, health probes, sharding and
 * graceful shutdown, as controller-runtime's `Manager`.
 *
 * @remarks
 * Guarantees on shutdown (the `signal` of `start`, SIGTERM or SIGINT): watches stop and queued
 * keys are dropped at once; in-flight reconciles get `gracefulShutdownTimeout` to finish, then
 * their signals abort; the health server closes; `start()` resolves after all of that.
 * With `leaderElection`, controllers start only once this replica holds the Lease; losing it
 * stops them and rejects `start()` with {@link LeadershipLostError}; on shutdown the Lease is
 * released after the controllers stopped, so another replica takes over at once.
 *
 * @throws `start()` rejects with {@link ManagerError} or {@link LeadershipLostError}; `add()` throws {@link ManagerError} after start or for a duplicate name.
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
  private leading = false;

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

  /**
   * The controllers added, in order. Read-only: each one's {@link Controller.store} is the cache a
   * view of the operator (such as `@weft/web-view`) reads instead of asking the apiserver again.
   */
  get controllerList(): readonly Controller<any>[] {
    return this.controllers;
  }

  /** The port of the health and metrics server, once started. */
  get healthPort(): number | undefined {
    return this.health?.port;
  }

  /** Whether this replica holds the Lease (always false without `leaderElection`). */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Whether every controller's cache has synced (a standby replica counts as ready). */
  get ready(): boolean {
    if (!this.started) return false;
    // A standby replica runs no controllers yet; it is ready to take over, as controller-runtime's are.
    if (this.options.leaderElection && !this.leading) return true;
    return this.controllers.every((controller) => controller.store?.isReady ?? false);
  }

  /**
   * Runs every controller until `signal` aborts (or SIGTERM/SIGINT), then shuts down gracefully.
   *
   * @throws {@link ManagerError} when started twice; {@link LeadershipLostError}; the health server's listen error.
   */
  async start(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.started) throw new ManagerError('manager already started');
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
    const electionStop = new AbortController();
    let electing: Promise<void> | undefined;
    let lost: LeadershipLostError | undefined;
    try {
      if (this.options.metrics) {
        this.health = await serveHealth({ port: this.options.metrics.port, host: this.options.metrics.host, registry: this.metrics.registry, ready: () => this.ready });
        this.logger.info({ port: this.health.port }, 'serving metrics and health probes');
      }
      const labelSelector = this.options.shard === undefined ? undefined : shardSelector(this.options.shard);
      if (this.options.leaderElection) {
        const election = this.options.leaderElection;
        const elector = new LeaderElector(client, { ...election, onError: election.onError ?? ((error) => this.logger.warn({ err: error, lease: election.name }, 'leader election attempt failed')) });
        electing = elector.run({ signal: electionStop.signal });
        this.metrics.leader(election.name, false);
        const leading = await new Promise<boolean>((resolve) => {
          const watching = elector.leading$.subscribe((now) => {
            this.metrics.leader(election.name, now);
            if (now && !this.leading) {
              this.leading = true;
              this.logger.info({ lease: election.name, identity: elector.identity }, 'became leader');
              resolve(true);
            } else if (!now && this.leading) {
              this.leading = false;
              if (!stop.signal.aborted) {
                this.logger.error({ lease: election.name }, 'leader election lost; stopping');
                lost = new LeadershipLostError(election.name);
                stop.abort(lost);
              }
            }
          });
          subscriptions.push(watching);
          stop.signal.addEventListener('abort', () => resolve(false), { once: true });
        });
        if (!leading) return;
      }
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
      // Released only now, after the controllers stopped: no two leaders reconcile at once.
      electionStop.abort();
      await electing;
      this.leading = false;
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
    if (lost) throw lost;
  }
}
