import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../client/kube-client.js';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../lifecycle/finalizers.js';
import pino, { type Logger } from 'pino';
import { EMPTY, fromEvent, map, merge, Observable, type Observable as RxObservable, Subject, takeUntil, tap } from 'rxjs';
import { type Duration, parseDuration } from '../duration.js';
import { WeftError } from '../errors.js';
import type { ResourceKind } from '../resource/kinds.js';
import type { KubeObject } from '../resource/objects.js';
import { reflect } from '../pipeline/reflect.js';
import { type ContextRecorder, isTerminalError, type ReconcileContext, type ReconcileOutcome, Reconciler, type Result, ReconcileTimeoutError } from './reconciler.js';
import { run, type RunnerHooks } from '../pipeline/runner.js';
import { retryRateLimiter, type RetryRateLimiterOptions, schedule, type ScheduleRequest } from '../pipeline/scheduler.js';
import { createStore, type Store, type StoreOptions } from '../pipeline/store.js';
import { type Predicate, predicateFilter } from '../pipeline/predicate.js';
import { type ReconcileRequest, requestKey, triggerOwners, triggerSelf, triggerWith } from '../pipeline/triggers.js';
import { type KubeTransport, kubeTransport } from '../client/kube-transport.js';
import { stripManagedFields, watch, type WatchEvent, type WatcherOptions } from '../pipeline/watch.js';

/**
 * Options of {@link controller}.
 *
 * @remarks Every field is optional; defaults follow controller-runtime.
 *
 * @example
 * ```ts
 * import { controller } from '@weft/reconcile-core';
 * controller(WebAppKind, { namespace: 'prod', concurrency: 4, timeout: '2m', finalizer: 'webapps.example.com/cleanup' });
 * ```
 */
export interface ControllerOptions<T extends KubeObject> {
  /** The controller's name: metrics label, log key, default finalizer suffix. @defaultValue the kind, lower-cased */
  readonly name?: string;
  /** Watch only this namespace. @defaultValue all namespaces */
  readonly namespace?: string;
  /** Only objects of the primary kind matching this label selector. */
  readonly labelSelector?: string;
  /** How many objects reconcile at once. @defaultValue 1 (controller-runtime's default) */
  readonly concurrency?: number;
  /**
   * A reconcile's time limit (checked by a sweep, so up to a quarter of it or 1 s late): its signal
   * aborts, its concurrency slot is freed and the key is retried, but not before the abandoned
   * attempt has returned (a key never runs twice at once). @defaultValue '5m'
   */
  readonly timeout?: Duration;
  /** Retry delays after errors. @defaultValue 5 ms → ~16 min per key, 10 qps / 100 burst overall */
  readonly retry?: RetryRateLimiterOptions;
  /** The finalizer managed when the reconciler has `finalize`. @defaultValue `finalizers.weft.dev/<name>` */
  readonly finalizer?: string;
  /** Applied to each primary object before caching. @defaultValue {@link stripManagedFields} */
  readonly transform?: (object: KubeObject) => T;
  /** Page size of the primary kind's lists. @defaultValue 500 (client-go's) */
  readonly pageSize?: number;
  /** Indexes of the primary cache, beside `namespace` and `label`. */
  readonly indexes?: StoreOptions<T>['indexes'];
  /** The cluster, when the controller is subscribed to directly rather than added to a Manager. */
  readonly kubeConfig?: KubeConfig;
  /** A pino logger; the Manager's when added to one. @defaultValue pino JSON on stdout */
  readonly logger?: Logger;
  /**
   * Reconcile on an event of the primary kind only when this value changed (see
   * {@link predicateFilter}); the cache still sees every event. E.g. `predicates.generation` skips
   * status-only writes, the reconciler's own included. A reconciler that relies on an update
   * without a new generation (a finalizer it added, an annotation) must include it:
   * `anyOf(predicates.generation, predicates.finalizers, predicates.annotations)`.
   * @defaultValue every event triggers (controller-runtime's default)
   */
  readonly predicate?: Predicate<T>;
}

/**
 * What a {@link Manager} (or a direct subscription) provides to run a controller.
 *
 * @remarks A {@link Manager} fills this in; pass it to {@link Controller.run} to run a controller by hand.
 *
 * @example
 * ```ts
 * import { ControllerMetrics } from '@weft/reconcile-core';
 * web.run({ kubeConfig, stopSignal: shutdown.signal, observer: new ControllerMetrics() }).subscribe();
 * ```
 */
export interface ControllerRuntime {
  readonly kubeConfig: KubeConfig;
  /** The transport of the watches (tests pass fakes). @defaultValue kubeTransport(client): the client's connections */
  readonly transport?: KubeTransport;
  /** The typed client reconcilers get. @defaultValue new KubeClient(kubeConfig), closed when the run ends */
  readonly client?: KubeClient;
  readonly logger?: Logger;
  /** An extra label selector for every primary watch (sharding). */
  readonly labelSelector?: string;
  /** When aborted, watches stop, queued keys are dropped and the Observable completes after in-flight reconciles. */
  readonly stopSignal?: AbortSignal;
  /** Receives queue and reconcile figures (metrics). */
  readonly observer?: ControllerObserver;
  readonly recorder?: ContextRecorder;
}

/**
 * Receives what a controller does, for metrics.
 *
 * @remarks {@link ControllerMetrics} is the implementation a Manager uses.
 *
 * @example
 * ```ts
 * import { type ControllerObserver } from '@weft/reconcile-core';
 * const observer: ControllerObserver = { queue: () => ({}), reconciled: (outcome) => console.log(outcome.key, outcome.result) };
 * ```
 */
export interface ControllerObserver {
  /** Workqueue hooks, per controller. */
  queue(controller: string): RunnerHooks & { onAdd?(key: string): void; onRetry?(key: string): void };
  /** One reconcile ended. */
  reconciled(outcome: ReconcileOutcome): void;
  /** The controller started, with its concurrency limit. */
  started?(controller: string, concurrency: number): void;
  /** A list or watch of one of the controller's kinds failed; it is retried after `retryInMs`. */
  watchFailed?(controller: string, error: unknown, retryInMs: number): void;
}

/**
 * A controller configuration error (no cluster given, a bad option), naming the controller.
 *
 * @remarks Not retryable: fix the configuration.
 *
 * @example
 * ```ts
 * import { ControllerError } from '@weft/reconcile-core';
 * web.subscribe({ error: (error) => { if (error instanceof ControllerError) console.error(error.message); } });
 * ```
 */
export class ControllerError extends WeftError {
  override name = 'ControllerError';
  constructor(
    readonly controller: string,
    message: string,
  ) {
    super(`controller ${controller}: ${message}`);
  }
}

interface Source {
  readonly kind: ResourceKind<any>;
  readonly options: Partial<WatcherOptions<any>>;
  readonly trigger: (events: RxObservable<WatchEvent<any>>, store: Store<any>) => RxObservable<ReconcileRequest>;
}

/**
 * Builds a controller: `controller(Kind).owns(Child).watches(Other, map).reconcile(r)`.
 *
 * @remarks
 * Sugar over {@link watch}, {@link reflect}, the triggers, {@link schedule} and {@link run}.
 * Owned kinds are watched metadata-only (owner references are all a trigger needs).
 *
 *
 * @example
 * ```ts
 * import { controller, ConfigMapKind, DeploymentKind } from '@weft/reconcile-core';
 * const web = controller(WebAppKind, { concurrency: 4 })
 *   .owns(DeploymentKind)
 *   .watches(ConfigMapKind, (cm) => [{ namespace: cm.metadata.namespace, name: cm.metadata.labels?.['app'] ?? '' }])
 *   .reconcile(new WebReconciler());
 * ```
 */
export function controller<K extends ResourceKind<any>>(kind: K, options: ControllerOptions<NonNullable<K['__object']>> = {}): ControllerBuilder<NonNullable<K['__object']>> {
  return new ControllerBuilder(kind, options, []);
}

/**
 * The builder {@link controller} returns; each method returns a new builder.
 *
 * @remarks Immutable: each method returns a new builder, so a partial builder can be shared.
 *
 * @example
 * ```ts
 * import { controller, DeploymentKind } from '@weft/reconcile-core';
 * const base = controller(WebAppKind).owns(DeploymentKind);
 * const web = base.reconcile(new WebReconciler());
 * ```
 */
export class ControllerBuilder<T extends KubeObject> {
  /** @internal Made by {@link controller}; its sources are internal. */
  constructor(
    private readonly kind: ResourceKind<any>,
    private readonly options: ControllerOptions<T>,
    private readonly sources: readonly Source[],
  ) {}

  /**
   * Reconciles the owner when an object of `child` that it controls changes (through
   * `ownerReferences` with `controller: true`, unless `controllerOnly: false`).
   *
   * @example
   * ```ts
   * import { controller, DeploymentKind } from '@weft/reconcile-core';
   * controller(WebAppKind).owns(DeploymentKind);
   * ```
   */
  owns(child: ResourceKind<any>, options: { controllerOnly?: boolean; namespace?: string; labelSelector?: string } = {}): ControllerBuilder<T> {
    return new ControllerBuilder(this.kind, this.options, [
      ...this.sources,
      {
        kind: child,
        options: { metadataOnly: true, namespace: options.namespace ?? this.options.namespace, labelSelector: options.labelSelector },
        trigger: (events) => events.pipe(triggerOwners(this.kind, { controllerOnly: options.controllerOnly })),
      },
    ]);
  }

  /**
   * Reconciles the objects `map` names when an object of `other` changes.
   *
   * @remarks `map` gets the primary cache too, to look owners up by index; a throwing `map` drops one event.
   * With `predicate`, an event of `other` maps only when that value changed (see {@link predicateFilter}),
   * e.g. a source's artifact revision rather than each of its status writes.
   *
   * @example
   * ```ts
   * import { controller, ConfigMapKind } from '@weft/reconcile-core';
   * controller(WebAppKind).watches(ConfigMapKind, (cm, apps) => apps.byIndex('namespace', cm.metadata.namespace ?? '').map((app) => ({ namespace: app.metadata.namespace, name: app.metadata.name })));
   * ```
   */
  watches<O extends ResourceKind<any>>(
    other: O,
    map: (object: NonNullable<O['__object']>, primary: Store<T>) => Iterable<ReconcileRequest>,
    options: Partial<Omit<WatcherOptions<NonNullable<O['__object']>>, 'transport'>> & { predicate?: Predicate<NonNullable<O['__object']>> } = {},
  ): ControllerBuilder<T> {
    const { predicate, ...watcherOptions } = options;
    return new ControllerBuilder(this.kind, this.options, [
      ...this.sources,
      {
        kind: other,
        options: { namespace: this.options.namespace, transform: stripManagedFields, ...watcherOptions },
        trigger: (events, store) => (predicate ? events.pipe(predicateFilter(predicate)) : events).pipe(triggerWith((object) => map(object, store))),
      },
    ]);
  }

  /**
   * Finishes the controller with its reconciler (a {@link Reconciler} or a function).
   *
   * @example
   * ```ts
   * import { done, controller, ConfigMapKind } from '@weft/reconcile-core';
   * controller(ConfigMapKind, { kubeConfig }).reconcile(async (cm) => done).subscribe(console.log);
   * ```
   */
  reconcile(reconciler: Reconciler<T> | ((object: T, context: ReconcileContext<T>) => Promise<Result | void>)): Controller<T> {
    const instance: Reconciler<T> = typeof reconciler === 'function' ? { reconcile: reconciler } : reconciler;
    return new Controller<T>(this.kind, this.options, this.sources, instance);
  }
}

/**
 * A runnable controller: an Observable of {@link ReconcileOutcome}s.
 *
 * @remarks
 * Guarantees: a throwing or hanging reconcile never stops it (errors are outcomes, retried with
 * per-key backoff; a timeout frees the slot, and the key's next attempt waits until the
 * abandoned one has returned, so a key never runs twice at once); the Observable never errors; unsubscribing stops
 * watches and timers and aborts in-flight reconciles. Subscribe directly when built with
 * `kubeConfig`, or add it to a {@link Manager}, which calls {@link Controller.run}.
 * Each subscription has its own cache; {@link Controller.store} is the latest one's.
 * @throws Subscribing without a cluster errors the Observable with {@link ControllerError}.
 *
 * @example
 * ```ts
 * import { done, controller, ConfigMapKind } from '@weft/reconcile-core';
 * const web = controller(ConfigMapKind, { kubeConfig }).reconcile(async () => done);
 * const subscription = web.subscribe((outcome) => console.log(outcome.key, outcome.result));
 * ```
 */
export class Controller<T extends KubeObject> extends Observable<ReconcileOutcome> {
  /** The controller's name (metrics label, log key). */
  readonly name: string;
  /** The cache of the primary kind of the latest run (ready after its first list). */
  store: Store<T> | undefined;

  readonly kind: ResourceKind<any>;
  private readonly options: ControllerOptions<T>;
  private readonly sources: readonly Source[];
  private readonly reconciler: Reconciler<T>;

  /** @internal Made by {@link ControllerBuilder.reconcile}; its sources are internal. */
  constructor(kind: ResourceKind<any>, options: ControllerOptions<T>, sources: readonly Source[], reconciler: Reconciler<T>) {
    const name = options.name ?? kind.kind.toLowerCase();
    const self: { controller?: Controller<T> } = {};
    super((subscriber) => {
      if (!options.kubeConfig) {
        subscriber.error(new ControllerError(name, 'no cluster: pass { kubeConfig } to controller() or add it to a Manager'));
        return;
      }
      return self.controller!.run({ kubeConfig: options.kubeConfig }).subscribe(subscriber);
    });
    self.controller = this;
    this.name = name;
    this.kind = kind;
    this.options = options;
    this.sources = sources;
    this.reconciler = reconciler;
  }

  /** Every kind the controller lists and watches: its primary kind first, then owned and watched kinds. */
  get watchedKinds(): readonly ResourceKind<any>[] {
    return [this.kind, ...this.sources.map((source) => source.kind)];
  }

  /** The finalizer this controller manages (only when the reconciler has `finalize`). */
  get finalizer(): string {
    return this.options.finalizer ?? `finalizers.weft.dev/${this.name}`;
  }

  /**
   * Runs the controller in `runtime` (a Manager calls this).
   *
   * @example
   * ```ts
   * import { ConfigMapKind, controller, done } from '@weft/reconcile-core';
   * const web = controller(ConfigMapKind).reconcile(async () => done);
   * web.run({ kubeConfig, stopSignal }).subscribe((outcome) => console.log(outcome.key, outcome.result));
   * ```
   */
  run(runtime: ControllerRuntime): RxObservable<ReconcileOutcome> {
    return new Observable<ReconcileOutcome>((subscriber) => {
      const name = this.name;
      const client = runtime.client ?? new KubeClient(runtime.kubeConfig);
      // The watches share the client's connections: one agent, one set of typed errors.
      const transport = runtime.transport ?? kubeTransport(client);
      const logger = (runtime.logger ?? this.options.logger ?? pino()).child({ controller: name, controllerKind: this.kind.kind });
      const { store, writer } = createStore<T>({ indexes: this.options.indexes });
      this.store = store;
      const stop$ = runtime.stopSignal ? fromEvent(runtime.stopSignal, 'abort') : EMPTY;
      const stopped = () => runtime.stopSignal?.aborted ?? false;
      const labelSelector = [this.options.labelSelector, runtime.labelSelector].filter(Boolean).join(',') || undefined;
      const onWatchError = <E,>(event: WatchEvent<E>): void => {
        if (event.type !== 'Error') return;
        logger.warn({ err: event.error, retryInMs: event.retryInMs }, 'watch failed; retrying');
        runtime.observer?.watchFailed?.(name, event.error, event.retryInMs);
      };

      const primary = watch<ResourceKind<any>, T>(this.kind, {
        transport,
        namespace: this.options.namespace,
        labelSelector,
        pageSize: this.options.pageSize,
        transform: this.options.transform ?? (stripManagedFields as (object: KubeObject) => T),
      }).pipe(tap((event: WatchEvent<T>) => onWatchError(event)), reflect(writer));
      const predicate = this.options.predicate;
      const triggers: RxObservable<ReconcileRequest>[] = [(predicate ? primary.pipe(predicateFilter(predicate)) : primary).pipe(triggerSelf())];
      for (const source of this.sources) {
        const events = watch<ResourceKind<any>, any>(source.kind, { transport, ...source.options });
        triggers.push(source.trigger(events.pipe(tap((event: WatchEvent<unknown>) => onWatchError(event))), store));
      }

      const limiter = retryRateLimiter(this.options.retry);
      const queueHooks = runtime.observer?.queue(name);
      const requeue$ = new Subject<ScheduleRequest<ReconcileRequest>>();
      const timeoutMs = parseDuration(this.options.timeout ?? '5m');
      const concurrency = this.options.concurrency ?? 1;
      runtime.observer?.started?.(name, concurrency);

      const shared: SharedContext<T> = { controller: name, logger, store, client, kubeConfig: runtime.kubeConfig, transport, recorder: runtime.recorder };
      const inFlight = new Set<ReconcileDeadline>();
      let listening = false;
      // One timer for every deadline: a timeout fires at most a quarter of it (and at most 1 s) late.
      // It runs only while reconciles are in flight: an idle controller wakes nothing up.
      let sweeper: NodeJS.Timeout | undefined;
      const track = (deadline: ReconcileDeadline) => {
        inFlight.add(deadline);
        if (sweeper) return;
        sweeper = setInterval(() => {
          const now = Date.now();
          for (const each of inFlight) each.expireIfDue(now);
        }, Math.max(10, Math.min(1_000, timeoutMs / 4)));
        sweeper.unref?.();
      };
      const untrack = (deadline: ReconcileDeadline) => {
        inFlight.delete(deadline);
        if (inFlight.size > 0 || !sweeper) return;
        clearInterval(sweeper);
        sweeper = undefined;
      };
      const work = async (request: ReconcileRequest, runnerSignal: AbortSignal, key: string): Promise<ReconcileOutcome> => {
        const startedAt = Date.now();
        if (!store.isReady) await store.ready({ signal: runnerSignal }).catch(() => undefined);
        // A relist's objects become visible at its InitDone. Reading the store before then would give
        // the version from before the relist (or nothing, for an object created while the watch was
        // down), and the InitApply that triggered this reconcile is the only trigger that object gets:
        // a stale read would be reconciled once and never again. So wait for the swap, as client-go's
        // informers deliver a relist only after their store's Replace.
        if (store.isSyncing) await store.synced({ signal: runnerSignal }).catch(() => undefined);
        const object = store.get(key);
        if (!object) {
          limiter.forget(key);
          return { controller: name, key, result: 'missing', durationMs: Date.now() - startedAt, startedAt };
        }
        let outcome: ReconcileOutcome;
        const deadline = new ReconcileDeadline(key, timeoutMs);
        if (!listening) {
          listening = true;
          runnerSignal.addEventListener('abort', () => inFlight.forEach((each) => each.abort(runnerSignal.reason)), { once: true });
        }
        track(deadline);
        const context = new RunContext<T>(shared, deadline, key, request, limiter.failures(key));
        try {
          const result = await deadline.race(this.reconcileOne(object, context));
          limiter.forget(key);
          const requeueAfterMs = result?.requeueAfterMs;
          outcome =
            requeueAfterMs === undefined
              ? { controller: name, key, result: 'success', durationMs: Date.now() - startedAt, startedAt }
              : { controller: name, key, result: 'requeue_after', requeueAfterMs, durationMs: Date.now() - startedAt, startedAt };
          if (requeueAfterMs !== undefined && !stopped()) requeue$.next({ request, runAt: Date.now() + requeueAfterMs });
        } catch (error) {
          const terminal = isTerminalError(error);
          const durationMs = Date.now() - startedAt;
          // Shutdown: the stop signal, or the controller's subscription torn down (which aborts the runner's signal).
          const shuttingDown = stopped() || runnerSignal.aborted;
          if (terminal || shuttingDown) {
            limiter.forget(key);
            // A reconcile cut short by shutdown is not a failure worth an error line.
            if (shuttingDown && !terminal) context.logger.info({ err: error }, 'reconcile stopped by shutdown');
            else context.logger.error({ err: error, terminal }, 'reconcile failed');
            outcome = { controller: name, key, result: 'error', error, terminal, durationMs, startedAt };
          } else {
            const delay = limiter.when(key);
            queueHooks?.onRetry?.(key);
            context.logger.error({ err: error, retryInMs: delay }, 'reconcile failed; retrying');
            outcome = { controller: name, key, result: 'error', error, terminal: false, requeueAfterMs: delay, durationMs, startedAt };
            requeue$.next({ request, runAt: Date.now() + delay });
          }
        }
        untrack(deadline);
        const unfinished = deadline.unfinished;
        if (unfinished) {
          // JavaScript cannot stop the attempt; its next one waits until it has really returned.
          context.logger.warn({ err: outcome.error }, 'reconcile abandoned at its timeout; the next attempt of this key waits until it returns');
          abandoned.set(
            outcome,
            unfinished.then(() => context.logger.info({ tookMs: Date.now() - startedAt }, 'abandoned reconcile returned; the key may run again')),
          );
        }
        runtime.observer?.reconciled(outcome);
        return outcome;
      };
      /** Outcomes of attempts cut off at their timeout that are still running, and when they end. */
      const abandoned = new WeakMap<ReconcileOutcome, Promise<void>>();

      const requests = merge(merge(...triggers).pipe(map((request): ScheduleRequest<ReconcileRequest> => ({ request, runAt: 0 }))), requeue$);
      const outcomes = requests.pipe(
        schedule({ keyOf: requestKey, onAdd: queueHooks?.onAdd }),
        takeUntil(stop$),
        run(work, {
          keyOf: requestKey,
          concurrency,
          onSourceComplete: 'finish-in-flight',
          holdKeyUntil: (outcome) => abandoned.get(outcome),
          hooks: queueHooks,
          onWorkError: (error, request) => logger.error({ err: error, key: requestKey(request) }, 'reconcile machinery failed'),
        }),
      );
      const subscription = outcomes.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (sweeper) clearInterval(sweeper);
        requeue$.complete();
        if (!runtime.client) client.close();
        if (!runtime.transport) transport.close();
      };
    });
  }

  /**
   * One reconcile with the managed finalizer flow around the user's reconciler. Without a
   * `finalize`, the reconciler's own promise (no async wrapper: one fewer promise per reconcile);
   * a synchronous throw reaches the caller's try as a rejection would.
   */
  private reconcileOne(object: T, context: ReconcileContext<T>): Promise<Result | void> {
    if (!this.reconciler.finalize) return object.metadata.deletionTimestamp ? Promise.resolve() : this.reconciler.reconcile(object, context);
    return this.finalizeFlow(object, context);
  }

  private async finalizeFlow(object: T, context: ReconcileContext<T>): Promise<Result | void> {
    const finalize = this.reconciler.finalize!.bind(this.reconciler);
    const options = { kind: this.kind as ResourceKind<T>, signal: context.signal };
    if (object.metadata.deletionTimestamp) {
      if (!hasFinalizer(object, this.finalizer)) return;
      await finalize(object, context);
      // removeFinalizer keeps other finalizers and retries on conflicts (optimistic concurrency).
      await removeFinalizer(context.client, object, this.finalizer, options);
      context.logger.info({ finalizer: this.finalizer }, 'finalized; finalizer removed');
      return;
    }
    if (!hasFinalizer(object, this.finalizer)) {
      await addFinalizer(context.client, object, this.finalizer, options);
      // The patch's watch event reconciles again, now with the finalizer in place.
      return;
    }
    return this.reconciler.reconcile(object, context);
  }
}


/**
 * The timeout and cancellation of one reconcile, made cheap for the common case: the
 * AbortController exists only if the reconciler reads `ctx.signal`, and the controller holds
 * one shutdown listener and one sweep timer for all reconciles instead of one each.
 */
class ReconcileDeadline {
  private attempt: Promise<unknown> | undefined;
  /** Whether the attempt given to {@link ReconcileDeadline.race} has returned (or thrown). */
  private settled = false;
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;
  private fail: ((reason: unknown) => void) | undefined;

  constructor(
    private readonly key: string,
    private readonly timeoutMs: number,
  ) {
    this.expiresAt = Date.now() + timeoutMs;
  }

  get signal(): AbortSignal {
    if (this.aborted) return AbortSignal.abort(this.reason);
    return (this.controller ??= new AbortController()).signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.fail?.(reason);
  }

  /** When the controller's sweep aborts this reconcile. */
  readonly expiresAt: number;

  /** Aborts with {@link ReconcileTimeoutError} once past {@link ReconcileDeadline.expiresAt}. */
  expireIfDue(now: number): void {
    if (now >= this.expiresAt) this.abort(new ReconcileTimeoutError(this.key, this.timeoutMs));
  }

  /**
   * After the race ended by timeout or shutdown while the attempt still runs: a promise that
   * resolves when it has returned. `undefined` when the attempt had ended.
   */
  get unfinished(): Promise<void> | undefined {
    if (this.settled || !this.attempt) return undefined;
    return this.attempt.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Settles as `pending`, or rejects with the abort reason on timeout or shutdown without waiting for it. */
  race<R>(pending: Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.fail = reject;
      this.attempt = pending;
      Promise.resolve(pending).then(
        (value) => {
          this.settled = true;
          resolve(value);
        },
        (error: unknown) => {
          this.settled = true;
          reject(error);
        },
      );
      // Aborted while `pending` was being created (the reconciler ran synchronously up to its first await).
      if (this.aborted) reject(this.reason);
    });
  }
}

interface SharedContext<T> {
  readonly controller: string;
  readonly logger: Logger;
  readonly store: Store<T>;
  readonly client: KubeClient;
  readonly kubeConfig: KubeConfig;
  readonly transport: KubeTransport;
  readonly recorder: ContextRecorder | undefined;
}

/** The {@link ReconcileContext} of one reconcile: a class (not a literal with getters) because one is made per reconcile. */
class RunContext<T> implements ReconcileContext<T> {
  private boundLogger: Logger | undefined;
  constructor(
    private readonly shared: SharedContext<T>,
    private readonly deadline: ReconcileDeadline,
    readonly key: string,
    private readonly request: ReconcileRequest,
    readonly retries: number,
  ) {}
  get signal(): AbortSignal {
    return this.deadline.signal;
  }
  /** Bound lazily: a pino child per reconcile costs more than a cheap reconcile itself. */
  get logger(): Logger {
    return (this.boundLogger ??= this.shared.logger.child({ namespace: this.request.namespace, name: this.request.name, reconcileID: randomUUID() }));
  }
  get controller(): string {
    return this.shared.controller;
  }
  get store(): Store<T> {
    return this.shared.store;
  }
  get client(): KubeClient {
    return this.shared.client;
  }
  get kubeConfig(): KubeConfig {
    return this.shared.kubeConfig;
  }
  get transport(): KubeTransport {
    return this.shared.transport;
  }
  get recorder(): ContextRecorder | undefined {
    return this.shared.recorder;
  }
}
