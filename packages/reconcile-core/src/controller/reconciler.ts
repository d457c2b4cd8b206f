import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../client/kube-client.js';
import type { Logger } from 'pino';
import { type Duration, parseDuration } from '../duration.js';
import { errorGuard, WeftError } from '../errors.js';
import type { KubeObject } from '../resource/objects.js';
import type { Store } from '../pipeline/store.js';
import { setLongTimeout } from '../timers.js';
import type { KubeTransport } from '../client/kube-transport.js';

/**
 * What a reconcile returns: done (wait for the next change) or come back after a delay,
 * as controller-runtime's `reconcile.Result`.
 *
 * @remarks Make one with {@link done} or {@link requeueAfter}; returning nothing means done.
 *
 * @example
 * ```ts
 * import { type Result, requeueAfter } from '@weft/reconcile-core';
 * const result: Result = requeueAfter('30s');
 * ```
 */
export interface Result {
  /** Reconcile the same object again after this many milliseconds; absent means done. */
  readonly requeueAfterMs?: number;
}

/**
 * The {@link Result} that means "converged; reconcile again only when something changes".
 *
 * @remarks Frozen; equal to returning nothing.
 * @example
 * ```ts
 * import { done } from '@weft/reconcile-core';
 * return done;
 * ```
 */
export const done: Result = Object.freeze({});

/**
 * A {@link Result} asking to reconcile the same object again after a delay (a periodic resync,
 * a wait on something outside the cluster).
 *
 * @remarks A change of the object before the delay runs it earlier (the earliest request wins).
 * @throws `InvalidDurationError` for a duration that does not parse.
 *
 * @example
 * ```ts
 * import { requeueAfter } from '@weft/reconcile-core';
 * return requeueAfter('5m');
 * ```
 */
export function requeueAfter(delay: Duration): Result {
  return Object.freeze({ requeueAfterMs: parseDuration(delay) });
}

/**
 * An error that retrying cannot fix (an invalid spec): the key is not retried until the object
 * changes, as controller-runtime's `reconcile.TerminalError`.
 *
 * @remarks Not retryable: the outcome is an `error` with `terminal: true`; the key runs again only when its object (or an owned one) changes.
 * @example
 * ```ts
 * import { TerminalError } from '@weft/reconcile-core';
 * if (!app.spec.image) throw new TerminalError('spec.image is required');
 * ```
 */
export class TerminalError extends WeftError {
  override name = 'TerminalError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** Whether a value is a {@link TerminalError} (an `instanceof` check; subclasses count). */
export const isTerminalError = errorGuard(TerminalError);

/**
 * The reason a reconcile's signal aborts when it ran longer than the controller's timeout.
 *
 * @remarks Retryable: the controller retries the key with backoff.
 *
 * @example
 * ```ts
 * import { ReconcileTimeoutError } from '@weft/reconcile-core';
 * if (ctx.signal.reason instanceof ReconcileTimeoutError) ctx.logger.warn('timed out');
 * ```
 */
export class ReconcileTimeoutError extends WeftError {
  override name = 'ReconcileTimeoutError';
  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super(`reconcile of ${key} timed out after ${timeoutMs} ms`, { retryable: true });
  }
}

/**
 * Reports Kubernetes events about an object (the core-api `EventRecorder` fits).
 *
 * @remarks A structural type so the runtime does not depend on one recorder implementation.
 *
 * @example
 * ```ts
 * import { type ContextRecorder } from '@weft/reconcile-core';
 * const recorder: ContextRecorder | undefined = ctx.recorder;
 * recorder?.event(app, 'Normal', 'Reconciled', 'applied 3 objects');
 * ```
 */
export interface ContextRecorder {
  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): unknown;
}

/**
 * What a reconcile gets beside the object.
 *
 * @remarks `signal` aborts on the controller's timeout (reason {@link ReconcileTimeoutError})
 * and on shutdown (reason: the shutdown's); pass it to every call that takes one.
 *
 * @example
 * ```ts
 * import { type ReconcileContext, done } from '@weft/reconcile-core';
 * async function reconcile(app: WebApp, ctx: ReconcileContext<WebApp>) {
 *   await ctx.client.apply(desiredDeployment(app), { force: true, signal: ctx.signal });
 *   return done;
 * }
 * ```
 */
export interface ReconcileContext<T = KubeObject> {
  /** Aborted on timeout or shutdown. */
  readonly signal: AbortSignal;
  /** The controller's name (its metrics label). */
  readonly controller: string;
  /** The object's queue key, `namespace/name` or `name`. */
  readonly key: string;
  /** A pino logger bound to the controller and object. */
  readonly logger: Logger;
  /** How many failures in a row this key had before this attempt. */
  readonly retries: number;
  /** The cache of the primary kind (read-only). */
  readonly store: Store<T>;
  /** The typed client (shared by the controller; honours `signal` when you pass it). */
  readonly client: KubeClient;
  /** The kubeconfig the controller runs with, for client-node APIs. */
  readonly kubeConfig: KubeConfig;
  /** Plain JSON requests over the client's connections (the same agent, the same typed errors). */
  readonly transport: KubeTransport;
  /** The manager's event recorder, when it has one. */
  readonly recorder?: ContextRecorder;
}

/**
 * The base class of a reconciler: make the world match one object's spec.
 *
 * @remarks
 * `reconcile` must be idempotent: it may run again for the same state (resyncs, restarts).
 * The object it gets is the controller's cached instance, deep-frozen: changing it throws a
 * `TypeError`; build a new object (`{ ...object, status }`) to write.
 * Throw to retry with per-key backoff; throw {@link TerminalError} to stop retrying; return
 * {@link requeueAfter} to come back later. When `finalize` is present the controller manages
 * a finalizer: it adds it before the first `reconcile`, calls `finalize` once the object is
 * being deleted, and removes the finalizer when `finalize` resolves (retrying while it throws).
 *
 * @throws Nothing itself; what `reconcile` throws becomes an `error` outcome (retried unless {@link TerminalError}).
 * @example
 * ```ts
 * import { type Result, type ReconcileContext, Reconciler, requeueAfter } from '@weft/reconcile-core';
 * class WebReconciler extends Reconciler<WebApp> {
 *   async reconcile(app: WebApp, ctx: ReconcileContext<WebApp>): Promise<Result> {
 *     ctx.logger.info({ replicas: app.spec.replicas }, 'reconciling');
 *     return requeueAfter('5m');
 *   }
 * }
 * ```
 */
export abstract class Reconciler<T extends KubeObject = KubeObject> {
  /** Brings the world in line with `object`. */
  abstract reconcile(object: T, context: ReconcileContext<T>): Promise<Result | void>;
  /** Cleans up after `object` before it is deleted; optional. */
  finalize?(object: T, context: ReconcileContext<T>): Promise<void>;
}

/**
 * Wraps plain functions as a {@link Reconciler}, controller-runtime's `reconcile.Func`.
 *
 * @remarks The same contract as {@link Reconciler}; `finalize` makes the controller manage a finalizer.
 * @example
 * ```ts
 * import { reconcilerFrom, done } from '@weft/reconcile-core';
 * const reconciler = reconcilerFrom<ConfigMap>(async (cm, ctx) => { ctx.logger.info('seen'); return done; });
 * ```
 */
export function reconcilerFrom<T extends KubeObject>(
  reconcile: (object: T, context: ReconcileContext<T>) => Promise<Result | void>,
  finalize?: (object: T, context: ReconcileContext<T>) => Promise<void>,
): Reconciler<T> {
  return new (class extends Reconciler<T> {
    override reconcile = reconcile;
    override finalize = finalize;
  })();
}

/**
 * How one reconcile ended, as the controller's Observable reports it.
 *
 * @remarks The controller's Observable emits one per reconcile (and per key found missing).
 *
 * @example
 * ```ts
 * import { type ReconcileOutcome } from '@weft/reconcile-core';
 * web.subscribe((outcome: ReconcileOutcome) => { if (outcome.result === 'error') console.error(outcome.key, outcome.error); });
 * ```
 */
export interface ReconcileOutcome {
  readonly controller: string;
  readonly key: string;
  /**
   * controller-runtime's `result` label (`success`, `error`, `requeue_after`), plus `missing`
   * when the object was gone from the cache and the reconciler was not called.
   */
  readonly result: 'success' | 'error' | 'requeue_after' | 'missing';
  /** Set for `requeue_after`, and for `error` with the retry delay chosen. */
  readonly requeueAfterMs?: number;
  readonly error?: unknown;
  /** Whether the error was a {@link TerminalError} (not retried). */
  readonly terminal?: boolean;
  readonly durationMs: number;
  /** When the reconcile started (epoch ms). */
  readonly startedAt: number;
}

/**
 * Calls `attempt` with an `AbortSignal` that aborts after `timeoutMs` (or with `parent`), and
 * stops waiting for it then: a hanging reconcile never holds its slot past its timeout.
 *
 * @throws {@link ReconcileTimeoutError} on timeout; the parent signal's reason when it aborts;
 * otherwise whatever `attempt` throws.
 *
 * @remarks The attempt keeps running in the background after a timeout (JavaScript cannot stop it); its signal tells it to stop.
 * @example
 * ```ts
 * import { withTimeout } from '@weft/reconcile-core';
 * await withTimeout('prod/web', 30_000, shutdownSignal, (signal) => reconciler.reconcile(app, { ...ctx, signal }));
 * ```
 */
export function withTimeout<R>(key: string, timeoutMs: number, parent: AbortSignal | undefined, attempt: (signal: AbortSignal) => Promise<R>): Promise<R> {
  if (parent?.aborted) return Promise.reject(parent.reason);
  const abort = new AbortController();
  // One promise, one timer and one listener: this runs once per reconcile, so it stays cheap.
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const settle = () => {
      settled = true;
      timer.clear();
      parent?.removeEventListener('abort', onParentAbort);
    };
    const fail = (reason: unknown) => {
      if (settled) return;
      settle();
      abort.abort(reason);
      reject(reason);
    };
    const onParentAbort = () => fail(parent?.reason);
    const timer = setLongTimeout(() => fail(new ReconcileTimeoutError(key, timeoutMs)), timeoutMs);
    parent?.addEventListener('abort', onParentAbort, { once: true });
    let pending: Promise<R>;
    try {
      pending = Promise.resolve(attempt(abort.signal));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        if (settled) return;
        settle();
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settle();
        reject(error);
      },
    );
  });
}
