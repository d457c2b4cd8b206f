import { defer, type MonoTypeOperatorFunction, Observable, retry } from 'rxjs';
import { setLongTimeout } from '../timers.js';

/**
 * A source of retry delays: each {@link BackoffPolicy.next} call is one more failure in a row.
 *
 * @remarks
 * Stateful: one policy instance belongs to one retry loop (one watch, one stream).
 *
 * @example
 * ```ts
 * import { type BackoffPolicy, exponentialBackoff } from '@weft/reconcile-core';
 * const policy: BackoffPolicy = exponentialBackoff();
 * setTimeout(retry, policy.next());
 * ```
 */
export interface BackoffPolicy {
  /** The delay, in milliseconds, before the next attempt. */
  next(): number;
  /** Forgets past failures: the next delay is the initial one again. */
  reset(): void;
}

/**
 * Options of {@link exponentialBackoff}.
 *
 * @remarks Every field is optional; the defaults are kube-rs' `default_backoff()`.
 *
 * @example
 * ```ts
 * import { exponentialBackoff } from '@weft/reconcile-core';
 * exponentialBackoff({ initialMs: 100, maxMs: 10_000, jitter: 0.2 });
 * ```
 */
export interface ExponentialBackoffOptions {
  /** The first delay. @defaultValue 800 ms (kube-rs `default_backoff`) */
  readonly initialMs?: number;
  /** The largest delay. @defaultValue 30 000 ms */
  readonly maxMs?: number;
  /** How much each failure multiplies the delay. @defaultValue 2 */
  readonly factor?: number;
  /**
   * Randomization factor: a delay `d` becomes a uniform pick in `[d·(1−jitter), d·(1+jitter)]`,
   * capped at `maxMs`, so replicas that failed together do not retry together. @defaultValue 0.5
   */
  readonly jitter?: number;
  /**
   * After this long without a failure, the policy resets itself: a stream that was healthy
   * for a while starts again from `initialMs`. @defaultValue 120 000 ms
   */
  readonly resetAfterMs?: number;
  /** The random source (for tests). @defaultValue Math.random */
  readonly random?: () => number;
}

/**
 * An exponential backoff with jitter that resets after a healthy period (0.8 s → 30 s by default).
 *
 * @remarks
 * The un-jittered delay after `n` consecutive failures is `min(maxMs, initialMs · factorⁿ)`.
 * The healthy period is measured with `Date.now()`, so it follows fake timers in tests.
 *
 * @example
 * ```ts
 * import { exponentialBackoff } from '@weft/reconcile-core';
 * const policy = exponentialBackoff({ initialMs: 100, maxMs: 5_000, jitter: 0 });
 * policy.next(); // 100
 * policy.next(); // 200
 * ```
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffPolicy {
  const initialMs = options.initialMs ?? 800;
  const maxMs = options.maxMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.5;
  const resetAfterMs = options.resetAfterMs ?? 120_000;
  const random = options.random ?? Math.random;
  let failures = 0;
  let lastFailureAt = -Infinity;
  return {
    next() {
      const now = Date.now();
      if (now - lastFailureAt >= resetAfterMs) failures = 0;
      lastFailureAt = now;
      const base = Math.min(maxMs, initialMs * factor ** failures);
      failures += 1;
      const jittered = base * (1 - jitter + 2 * jitter * random());
      return Math.max(0, Math.min(maxMs, Math.round(jittered)));
    },
    reset() {
      failures = 0;
      lastFailureAt = -Infinity;
    },
  };
}

/**
 * An rxjs operator that resubscribes to a failing source after an exponential backoff with jitter.
 *
 * @remarks
 * Guarantees: the source's errors never reach the subscriber; each error waits
 * `policy.next()` before resubscribing, and the policy resets after a healthy period
 * (see {@link ExponentialBackoffOptions.resetAfterMs}). `onError` sees each error with the
 * delay chosen, so errors stay observable. Caveat: resubscribing restarts a cold source from
 * scratch; {@link watch} retries internally instead, to resume from its last resourceVersion.
 * Errors: none reach the subscriber; the source's are retried forever.
 *
 * @param options - a policy, or options for {@link exponentialBackoff}, plus an `onError` hook.
 *
 * @example
 * ```ts
 * import { backoff } from '@weft/reconcile-core';
 * fromFetchStream().pipe(backoff({ onError: (error, delayMs) => log.warn({ error, delayMs }, 'retrying') }));
 * ```
 */
export function backoff<T>(
  options: ExponentialBackoffOptions & { readonly policy?: BackoffPolicy; readonly onError?: (error: unknown, delayMs: number) => void } = {},
): MonoTypeOperatorFunction<T> {
  return (source) =>
    defer(() => {
      // One policy per subscription: two subscribers never share a failure count.
      const policy = options.policy ?? exponentialBackoff(options);
      return source.pipe(
        retry({
          delay: (error: unknown) => {
            const delayMs = policy.next();
            options.onError?.(error, delayMs);
            // Not rxjs' timer(): its setTimeout would fire after 1 ms for a delay past 2^31−1 ms.
            return new Observable<void>((subscriber) => {
              const timer = setLongTimeout(() => {
                subscriber.next();
                subscriber.complete();
              }, delayMs);
              return () => timer.clear();
            });
          },
        }),
      );
    });
}
