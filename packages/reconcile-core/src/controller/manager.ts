import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import { exponentialBackoff } from '../pipeline/backoff.js';
import { KubeClient } from '../client/kube-client.js';
import { isUnknownKindError } from '../client/rest-mapper.js';
import { currentCluster } from '../client/transport.js';
import { type Controller, ControllerError, type ControllerObserver } from './controller.js';
import { type Duration, parseDuration } from '../duration.js';
import { isWeftError, WeftError } from '../errors.js';
import type { ResourceKind } from '../resource/kinds.js';
import { type HealthServer, serveHealth } from './health.js';
import { createLogger } from './logging.js';
import { type LeaderElectionOptions, LeaderElector } from '../lifecycle/leader-election.js';
import { ControllerMetrics } from './metrics.js';
import type { ContextRecorder, ReconcileOutcome } from './reconciler.js';
import { type ShardSpec, shardSelector } from '../lifecycle/sharding.js';
import { type LongTimeout, setLongTimeout, sleep } from '../timers.js';
import { kubeTransport } from '../client/kube-transport.js';

/**
 * Options of a {@link Manager}.
 *
 * @remarks Only `kubeConfig` is required.
 *
 * @example
 * ```ts
 * import { Manager } from '@weft/reconcile-core';
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
 *
 * @example
 * ```ts
 * import { ManagerError } from '@weft/reconcile-core';
 * manager.start().catch((error) => { if (error instanceof ManagerError) console.error(error.message); });
 * ```
 */
export class ManagerError extends WeftError {
  override name = 'ManagerError';
}

/**
 * A controller's kind that the apiserver does not serve, found by discovery when the manager
 * starts: controller-runtime's "no matches for kind". Names the CustomResourceDefinition to install.
 *
 * @remarks Not retryable: install the CRD (or fix the kind's apiVersion), then start again. A CRD
 * installed by the program itself must be installed (`installCRDs`) before `start()`.
 * @example
 * ```ts
 * import { KindNotServedError } from '@weft/reconcile-core';
 * await manager.start({ signal }).catch((error) => { if (error instanceof KindNotServedError) console.error(`kubectl apply the CRD ${error.crd}`); throw error; });
 * ```
 */
export class KindNotServedError extends ManagerError {
  override name = 'KindNotServedError';
  /** The CustomResourceDefinition that would serve the kind (`<plural>.<group>`); undefined for the core group. */
  readonly crd: string | undefined;
  constructor(
    readonly controller: string,
    readonly apiVersion: string,
    readonly kind: string,
    plural: string,
    cause: unknown,
  ) {
    const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
    const crd = group ? `${plural}.${group}` : undefined;
    super(
      `controller ${controller}: no matches for kind "${kind}" in version "${apiVersion}": the apiserver does not serve it` +
        (crd ? `; install the CustomResourceDefinition ${crd} (kubectl apply its manifest, or installCRDs(client, [${kind}Kind]) before start())` : ''),
      { cause },
    );
    this.crd = crd;
  }
}

/**
 * The manager lost its Lease while leading: its controllers were stopped, as controller-runtime
 * exits on `leader election lost`.
 *
 * @remarks Retryable: restart the process (or a new Manager) to compete again.
 * @example
 * ```ts
 * import { LeadershipLostError } from '@weft/reconcile-core';
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
 * import { controller, Manager, DeploymentKind } from '@weft/reconcile-core';
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
  /** Why start-up is still waiting (the apiserver unreachable), while it is. */
  private waitingFor: string | undefined;
  /** The latest list or watch failure per controller, shown while its cache has not synced. */
  private readonly watchFailures = new Map<string, string>();

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
    return this.notReady === undefined;
  }

  /**
   * Why the manager is not ready, or `undefined` when it is: not started; waiting for the apiserver
   * (with the last error and when it retries); a controller whose cache has not synced yet (with
   * its last list or watch error). `/readyz` answers it.
   */
  get notReady(): string | undefined {
    if (!this.started) return 'not started';
    if (this.waitingFor) return this.waitingFor;
    // A standby replica runs no controllers yet; it is ready to take over, as controller-runtime's are.
    if (this.options.leaderElection && !this.leading) return undefined;
    for (const controller of this.controllers) {
      if (controller.store?.isReady) continue;
      const failure = this.watchFailures.get(controller.name);
      return `controller ${controller.name}: waiting for the first list of ${controller.kind.kind}${failure ? `; last error: ${failure}` : ''}`;
    }
    return undefined;
  }

  /**
   * Runs every controller until `signal` aborts (or SIGTERM/SIGINT), then shuts down gracefully.
   *
   * @remarks
   * Before any controller starts, the manager checks what cannot fix itself and rejects at once
   * with a typed error naming it: a kubeconfig without a usable cluster ({@link KubeConfigError}),
   * a kind that discovery says the apiserver does not serve ({@link KindNotServedError}, naming the
   * CRD to install), credentials or permissions the apiserver refuses (the client's
   * {@link UnauthorizedError}, {@link ForbiddenError}). What can recover, an apiserver that is down
   * or overloaded for a while, is retried with backoff (1 s → 30 s) for as long as it takes; until
   * then {@link Manager.notReady} (and `/readyz`) says what it waits for.
   * @throws {@link KubeConfigError}, {@link KindNotServedError}, {@link ControllerError} (a kind whose
   * plural or scope differs from what the apiserver serves), non-retryable {@link KubeApiError}s of
   * discovery; {@link ManagerError} when started twice; {@link LeadershipLostError}; the health server's listen error.
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
    // One client, one keep-alive agent: every controller's watches and every reconcile's requests.
    const transport = kubeTransport(client);
    const subscriptions: Subscription[] = [];
    const electionStop = new AbortController();
    let electing: Promise<void> | undefined;
    let lost: LeadershipLostError | undefined;
    const observer: ControllerObserver = {
      queue: (name) => this.metrics.queue(name),
      reconciled: (outcome) => this.metrics.reconciled(outcome),
      started: (name, concurrency) => this.metrics.started(name, concurrency),
      watchFailed: (name, error) => this.watchFailures.set(name, error instanceof Error ? error.message : String(error)),
    };
    try {
      if (this.options.metrics) {
        this.health = await serveHealth({ port: this.options.metrics.port, host: this.options.metrics.host, registry: this.metrics.registry, ready: () => this.notReady ?? true });
        this.logger.info({ port: this.health.port }, 'serving metrics and health probes');
      }
      await this.preflight(stop.signal);
      if (stop.signal.aborted) return;
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
                .run({ kubeConfig: this.options.kubeConfig, transport, client, logger: this.logger, labelSelector, stopSignal: stop.signal, observer, recorder: this.options.recorder })
                .subscribe({ next: (outcome) => this.options.onOutcome?.(outcome), complete: resolve, error: resolve }),
            );
          }),
      );
      await new Promise<void>((resolve) => (stop.signal.aborted ? resolve() : stop.signal.addEventListener('abort', () => resolve(), { once: true })));
      const graceMs = parseDuration(this.options.gracefulShutdownTimeout ?? '30s');
      let graceTimer: LongTimeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => (graceTimer = setLongTimeout(() => resolve('timeout'), graceMs)));
      const ended = await Promise.race([Promise.all(finished).then(() => 'drained' as const), graceOver]);
      graceTimer?.clear();
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

  /**
   * Checks, before any controller starts, that the kubeconfig names a cluster and that the
   * apiserver serves every kind a controller watches (with the plural and scope the kind says).
   * Retries, with visible readiness, only what can recover by itself.
   */
  private async preflight(signal: AbortSignal): Promise<void> {
    currentCluster(this.options.kubeConfig);
    // Its own client without retries: this loop retries, and says so in the readiness check.
    const discovery = new KubeClient(this.options.kubeConfig, { retry: { maxRetries: 0 }, requestTimeout: '15s' });
    const backoff = exponentialBackoff({ initialMs: 1_000, maxMs: 30_000, jitter: 0.2 });
    this.waitingFor = 'checking that the apiserver serves the controllers\' kinds';
    try {
      for (const controller of this.controllers) {
        for (const kind of controller.watchedKinds) {
          while (!(await this.isServed(discovery, controller.name, kind, signal))) {
            if (signal.aborted) return;
            const delay = backoff.next();
            this.waitingFor = `${this.waitingFor}; retrying in ${delay} ms`;
            if (!(await sleep(delay, signal))) return;
          }
        }
      }
      this.waitingFor = undefined;
    } finally {
      discovery.close();
    }
  }

  /** Whether discovery serves `kind` as declared; false (with {@link Manager.waitingFor} set) when worth retrying. */
  private async isServed(discovery: KubeClient, controller: string, kind: ResourceKind<any>, signal: AbortSignal): Promise<boolean> {
    try {
      const served = await discovery.mapper.resolve({ apiVersion: kind.apiVersion, kind: kind.kind }, { signal });
      if (served.plural !== kind.plural || served.namespaced !== kind.namespaced) {
        const scope = (namespaced: boolean) => (namespaced ? 'namespaced' : 'cluster-scoped');
        throw new ControllerError(
          controller,
          `${kind.kind} (${kind.apiVersion}) is declared as the ${scope(kind.namespaced)} resource "${kind.plural}", but the apiserver serves it as the ${scope(served.namespaced)} resource "${served.plural}"`,
        );
      }
      return true;
    } catch (error) {
      if (signal.aborted) return false;
      if (isUnknownKindError(error)) throw new KindNotServedError(controller, kind.apiVersion, kind.kind, kind.plural, error);
      if (!isWeftError(error) || !error.retryable) throw error;
      this.waitingFor = `waiting for the apiserver: ${error.message}`;
      this.logger.warn({ err: error, controller, kind: kind.kind }, 'cannot check the apiserver serves the kind; retrying');
      return false;
    }
  }
}
