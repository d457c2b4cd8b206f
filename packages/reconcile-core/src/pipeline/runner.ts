import { setMaxListeners } from 'node:events';
import { Observable, type OperatorFunction } from 'rxjs';

/**
 * Hooks a {@link run} reports to, for workqueue metrics.
 *
 * @remarks Called synchronously; keep them cheap ({@link ControllerMetrics} implements them).
 *
 * @example
 * ```ts
 * import { requestKey, run } from '@weft/reconcile-core';
 * run(work, { keyOf: requestKey, hooks: { onStarted: (key, waitedMs) => waits.observe(waitedMs) } });
 * ```
 */
export interface RunnerHooks {
  /** A key entered the ready queue (`workqueue_depth` is `depth`). */
  onQueued?(key: string, depth: number): void;
  /** A key left the ready queue and started, after waiting `waitedMs`. */
  onStarted?(key: string, waitedMs: number, depth: number, active: number): void;
  /** A key finished after `tookMs`. */
  onFinished?(key: string, tookMs: number, active: number): void;
}

/**
 * Options of {@link run}.
 *
 * @remarks See {@link run} for the guarantees.
 *
 * @example
 * ```ts
 * import { requestKey, run } from '@weft/reconcile-core';
 * run(work, { keyOf: requestKey, concurrency: 8, onSourceComplete: 'finish-in-flight' });
 * ```
 */
export interface RunOptions<R, O = unknown> {
  /** Identity of a request: a key never runs twice at once. */
  readonly keyOf: (request: R) => string;
  /** How many keys run at the same time. @defaultValue 1 (controller-runtime's default) */
  readonly concurrency?: number;
  /**
   * What a completed source means: `'drain'` runs every queued key first (the default);
   * `'finish-in-flight'` drops queued keys and completes once the running ones are done,
   * for graceful shutdown.
   */
  readonly onSourceComplete?: 'drain' | 'finish-in-flight';
  /** Receives a rejection of `work` (which should not reject); the key is released. */
  readonly onWorkError?: (error: unknown, request: R) => void;
  /**
   * For an outcome whose work is still going on in the background (an attempt abandoned at its
   * timeout), a promise that settles when it has really ended: the concurrency slot is freed with
   * the outcome, but the key stays busy until then, so it never runs twice at once.
   */
  readonly holdKeyUntil?: (outcome: O, key: string) => PromiseLike<unknown> | undefined;
  readonly hooks?: RunnerHooks;
}

/**
 * An rxjs operator that runs `work` for each request with a concurrency limit, never running
 * one key twice at once (kube-rs' `Runner`, controller-runtime's workqueue semantics). `work`
 * also gets the request's key (`keyOf(request)`, already computed).
 *
 * @remarks
 * Guarantees:
 * - At most `concurrency` calls of `work` are in flight; a key is never in flight twice, even
 *   when its work was abandoned at a timeout and goes on in the background (see `holdKeyUntil`).
 * - A request for a key that is already queued is merged into the queued one.
 * - A request for a key that is running marks it dirty: when the run ends, the key is queued
 *   once more (however many requests arrived meanwhile), with the newest request.
 * - Keys start in the order they became ready.
 * - Unsubscribing aborts the `signal` given to in-flight work and drops the queue.
 *
 * Errors: a rejection of `work` goes to `onWorkError` and the key is released.
 *
 * @example
 * ```ts
 * import { requestKey, run } from '@weft/reconcile-core';
 * requests$.pipe(run((request, signal) => reconcileOne(request, signal), { keyOf: requestKey, concurrency: 4 }));
 * ```
 */
export function run<R, O>(work: (request: R, signal: AbortSignal, key: string) => Promise<O>, options: RunOptions<R, O>): OperatorFunction<R, O> {
  const concurrency = Math.max(1, options.concurrency ?? 1);
  return (source) =>
    new Observable<O>((subscriber) => {
      const abort = new AbortController();
      // Every in-flight call may listen on this one signal.
      setMaxListeners(0, abort.signal);
      // Ready keys in order: an array with a moving head (Map-as-queue degrades when its front is deleted over and over).
      const queued = new Map<string, { request: R; since: number }>();
      let order: string[] = [];
      let head = 0;
      /** Keys that may not start: running, or held until abandoned work really ended. */
      const busy = new Set<string>();
      /** Calls of `work` whose outcome is not in yet: the concurrency slots in use. */
      let active = 0;
      const dirty = new Map<string, R>();
      let sourceDone = false;
      let stopping = false;

      const enqueue = (key: string, request: R) => {
        if (busy.has(key)) {
          dirty.set(key, request);
          return;
        }
        const existing = queued.get(key);
        if (existing) {
          existing.request = request;
          return;
        }
        queued.set(key, { request, since: Date.now() });
        order.push(key);
        options.hooks?.onQueued?.(key, queued.size);
      };

      const finishIfDone = () => {
        if (!sourceDone || active > 0) return;
        // Shutting down, held keys are not waited for (their work was abandoned at its timeout);
        // draining, a held key's queued request is still to run.
        if (stopping || (queued.size === 0 && busy.size === 0)) subscriber.complete();
      };

      const pump = () => {
        while (!stopping && active < concurrency && queued.size > 0) {
          const key = order[head++]!;
          if (head > 1024 && head * 2 > order.length) {
            order = order.slice(head);
            head = 0;
          }
          const entry = queued.get(key);
          if (!entry) continue;
          queued.delete(key);
          busy.add(key);
          active += 1;
          const started = Date.now();
          options.hooks?.onStarted?.(key, started - entry.since, queued.size, active);
          let promise: Promise<O>;
          try {
            promise = Promise.resolve(work(entry.request, abort.signal, key));
          } catch (error) {
            promise = Promise.reject(error);
          }
          // Inline callbacks around one shared `release`: no named closure per run on this hot path.
          promise.then(
            (outcome) => {
              if (!subscriber.closed) subscriber.next(outcome);
              release(key, started, options.holdKeyUntil?.(outcome, key));
            },
            (error: unknown) => {
              options.onWorkError?.(error, entry.request);
              release(key, started, undefined);
            },
          );
        }
      };

      function release(key: string, started: number, held: PromiseLike<unknown> | undefined): void {
        active -= 1;
        options.hooks?.onFinished?.(key, Date.now() - started, active);
        if (held) {
          const free = () => freeKey(key);
          held.then(free, free);
          pump();
          finishIfDone();
        } else freeKey(key);
      }

      function freeKey(key: string): void {
        busy.delete(key);
        if (dirty.has(key)) {
          const again = dirty.get(key) as R;
          dirty.delete(key);
          if (!stopping) enqueue(key, again);
        }
        pump();
        finishIfDone();
      }

      const subscription = source.subscribe({
        next(request) {
          enqueue(options.keyOf(request), request);
          pump();
        },
        error(error) {
          subscriber.error(error);
        },
        complete() {
          sourceDone = true;
          if (options.onSourceComplete === 'finish-in-flight') {
            stopping = true;
            queued.clear();
            order = [];
            head = 0;
            dirty.clear();
          }
          finishIfDone();
        },
      });
      return () => {
        stopping = true;
        subscription.unsubscribe();
        abort.abort();
        queued.clear();
        dirty.clear();
      };
    });
}
