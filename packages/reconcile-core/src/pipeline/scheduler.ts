import { Observable, type OperatorFunction } from 'rxjs';
import { type LongTimeout, setLongTimeout } from '../timers.js';

/**
 * A request to emit `request` at `runAt` (epoch milliseconds; now or earlier means now).
 *
 * @remarks `runAt` is compared with `Date.now()`.
 *
 * @example
 * ```ts
 * import { type ReconcileRequest, type ScheduleRequest } from '@weft/reconcile-core';
 * const entry: ScheduleRequest<ReconcileRequest> = { request: { namespace: 'prod', name: 'web' }, runAt: Date.now() + 5_000 };
 * ```
 */
export interface ScheduleRequest<R> {
  readonly request: R;
  readonly runAt: number;
}

/**
 * Options of {@link schedule}.
 *
 * @remarks `keyOf` must be stable for equal requests.
 *
 * @example
 * ```ts
 * import { requestKey, schedule } from '@weft/reconcile-core';
 * schedule({ keyOf: requestKey, onAdd: () => adds.inc() });
 * ```
 */
export interface ScheduleOptions<R> {
  /** Identity of a request: one pending entry is kept per key. */
  readonly keyOf: (request: R) => string;
  /** Called with each request accepted (for `workqueue_adds_total`). */
  readonly onAdd?: (key: string) => void;
}

/**
 * An rxjs operator that delays requests until their `runAt` and keeps one pending entry per key,
 * the earliest winning (kube-rs' `scheduler`).
 *
 * @remarks
 * Guarantees:
 * - A request due now (or in the past) is emitted at once and cancels a later pending entry for
 *   its key; a request later than the pending entry for its key is dropped; an earlier one
 *   replaces it.
 * - Each key is emitted at most once per pending entry; order among keys due at the same
 *   moment follows their scheduling order.
 * - When the source completes, pending entries are still emitted when due, then the output
 *   completes. Unsubscribing clears every timer.
 * Any delay works: one past `setTimeout`'s limit (2^31−1 ms, about 24.8 days) is waited out in
 * steps ({@link setLongTimeout}), never turned into 1 ms. Timers use `setTimeout`, so
 * `vi.useFakeTimers()` drives them in tests.
 *
 * Errors: the source's error is passed on.
 *
 * @example
 * ```ts
 * import { type ReconcileRequest, requestKey, schedule } from '@weft/reconcile-core';
 * entries$.pipe(schedule({ keyOf: requestKey })); // ScheduleRequest<ReconcileRequest> in, ReconcileRequest out
 * ```
 */
export function schedule<R>(options: ScheduleOptions<R>): OperatorFunction<ScheduleRequest<R>, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const pending = new Map<string, { runAt: number; timer: LongTimeout }>();
      let sourceDone = false;
      const completeIfIdle = () => {
        if (sourceDone && pending.size === 0) subscriber.complete();
      };
      const subscription = source.subscribe({
        next({ request, runAt }) {
          const key = options.keyOf(request);
          const existing = pending.get(key);
          const now = Date.now();
          if (existing && existing.runAt <= runAt) return;
          options.onAdd?.(key);
          if (existing) existing.timer.clear();
          if (runAt <= now) {
            pending.delete(key);
            subscriber.next(request);
            return;
          }
          const timer = setLongTimeout(() => {
            pending.delete(key);
            subscriber.next(request);
            completeIfIdle();
          }, runAt - now);
          pending.set(key, { runAt, timer });
        },
        error(error) {
          subscriber.error(error);
        },
        complete() {
          sourceDone = true;
          completeIfIdle();
        },
      });
      return () => {
        subscription.unsubscribe();
        for (const { timer } of pending.values()) timer.clear();
        pending.clear();
      };
    });
}

/**
 * Options of {@link retryRateLimiter}; the defaults are controller-runtime's.
 *
 * @remarks controller-runtime's defaults: 5 ms → 1000 s per key, 10 qps with a burst of 100 overall.
 *
 * @example
 * ```ts
 * import { retryRateLimiter } from '@weft/reconcile-core';
 * retryRateLimiter({ baseDelayMs: 100, maxDelayMs: 60_000 });
 * ```
 */
export interface RetryRateLimiterOptions {
  /** The first per-key retry delay. @defaultValue 5 ms */
  readonly baseDelayMs?: number;
  /** The largest per-key retry delay. @defaultValue 1 000 000 ms (about 16.7 min) */
  readonly maxDelayMs?: number;
  /** Overall retries per second (token bucket refill rate). @defaultValue 10 */
  readonly qps?: number;
  /** Token bucket size: retries allowed in a burst. @defaultValue 100 */
  readonly burst?: number;
}

/**
 * Chooses when a failed key is retried: see {@link retryRateLimiter}.
 *
 * @remarks Not thread-safe in the Go sense, and need not be: one controller owns it.
 *
 * @example
 * ```ts
 * import { retryRateLimiter } from '@weft/reconcile-core';
 * const limiter = retryRateLimiter();
 * const delay = limiter.when('prod/web');
 * ```
 */
export interface RetryRateLimiter {
  /** The delay before retrying `key` once more (counts one failure). */
  when(key: string): number;
  /** Forgets `key`'s failures after a success. */
  forget(key: string): void;
  /** How many failures in a row `key` has had. */
  failures(key: string): number;
}

/**
 * The retry delays of a controller: the larger of a per-key exponential backoff and a global
 * token bucket, as controller-runtime's `DefaultTypedControllerRateLimiter`.
 *
 * @remarks
 * Per key: `baseDelayMs · 2^failures`, capped at `maxDelayMs` (5 ms → ~16 min). Globally: a
 * token bucket of `burst` tokens refilled at `qps`, so a storm of failures cannot hammer the
 * apiserver. Only failures go through it; fresh events are never rate limited.
 *
 * @example
 * ```ts
 * import { retryRateLimiter } from '@weft/reconcile-core';
 * const limiter = retryRateLimiter({ baseDelayMs: 100 });
 * limiter.when('prod/web'); // 100
 * limiter.when('prod/web'); // 200
 * limiter.forget('prod/web');
 * ```
 */
export function retryRateLimiter(options: RetryRateLimiterOptions = {}): RetryRateLimiter {
  const baseDelayMs = options.baseDelayMs ?? 5;
  const maxDelayMs = options.maxDelayMs ?? 1_000_000;
  const qps = options.qps ?? 10;
  const burst = options.burst ?? 100;
  const failures = new Map<string, number>();
  let tokens = burst;
  let last = Date.now();
  const reserve = (): number => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * qps);
    last = now;
    tokens -= 1;
    return tokens >= 0 ? 0 : Math.ceil((-tokens / qps) * 1000);
  };
  return {
    when(key) {
      const count = failures.get(key) ?? 0;
      failures.set(key, count + 1);
      const itemDelay = Math.min(maxDelayMs, baseDelayMs * 2 ** count);
      return Math.max(itemDelay, reserve());
    },
    forget(key) {
      failures.delete(key);
    },
    failures(key) {
      return failures.get(key) ?? 0;
    },
  };
}
