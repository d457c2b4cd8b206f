/**
 * The longest delay Node's `setTimeout` honours: 2^31−1 ms, about 24.8 days. A longer delay is
 * not clamped by Node but replaced by 1 ms (with a `TimeoutOverflowWarning`), so an `interval:
 * 1000h` would fire a thousand times a second. Every Weft timer goes through {@link setLongTimeout}.
 */
export const maxTimerDelayMs = 2 ** 31 - 1;

/**
 * A timer made by {@link setLongTimeout}.
 *
 * @example
 * ```ts
 * import { setLongTimeout } from '@weft/reconcile-core';
 * const timer = setLongTimeout(() => console.log('a month later'), 30 * 24 * 3_600_000).unref();
 * timer.clear();
 * ```
 */
export interface LongTimeout {
  /** Cancels the timer; the callback will not run. */
  clear(): void;
  /** Starts the full delay again from now (a watchdog pushed back on activity). */
  refresh(): void;
  /** Lets the process exit while only this timer is pending. Returns the timer. */
  unref(): LongTimeout;
}

/**
 * `setTimeout` for any delay: a delay above {@link maxTimerDelayMs} is waited out in steps of at
 * most that, so it never overflows into a 1 ms timer.
 *
 * @remarks
 * A negative or `NaN` delay runs the callback on the next timer tick (as `setTimeout(fn, 0)`);
 * `Infinity` never runs it. Steps are counted in timer time, not wall-clock time, so a changed
 * system clock does not move the deadline; fake timers (`vi.useFakeTimers()`) drive it.
 * @example
 * ```ts
 * import { parseDuration, setLongTimeout } from '@weft/reconcile-core';
 * const timer = setLongTimeout(() => requeue(key), parseDuration('1000h'));
 * ```
 */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimeout {
  const total = Number.isNaN(delayMs) || delayMs < 0 ? 0 : delayMs;
  let remaining = total;
  let step = 0;
  let timer: NodeJS.Timeout | undefined;
  let referenced = true;
  const arm = () => {
    step = Math.min(remaining, maxTimerDelayMs);
    timer = setTimeout(tick, step);
    if (!referenced) timer.unref();
  };
  const tick = () => {
    remaining -= step;
    if (remaining > 0) arm();
    else {
      timer = undefined;
      callback();
    }
  };
  arm();
  const handle: LongTimeout = {
    clear() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    refresh() {
      // One step (the common case): Node's refresh() reuses the timer instead of making another.
      if (timer && total <= maxTimerDelayMs) {
        timer.refresh();
        return;
      }
      handle.clear();
      remaining = total;
      arm();
    },
    unref() {
      referenced = false;
      timer?.unref();
      return handle;
    },
  };
  return handle;
}

/**
 * Waits `ms` milliseconds, or less if `signal` aborts first. Resolves `true` when the time
 * passed, `false` when the signal aborted (at once if it already had); never rejects.
 *
 * @remarks Any delay works (see {@link setLongTimeout}); the timer is cleared and the listener
 * removed either way, so neither outlives the wait.
 * @example
 * ```ts
 * import { sleep } from '@weft/reconcile-core';
 * while (!signal.aborted) {
 *   await poll();
 *   if (!(await sleep(5_000, signal))) break;
 * }
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      timer.clear();
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal made by {@link timeoutSignal}, and how to stop its timer. */
export interface TimeoutSignal {
  /** Aborts with a `TimeoutError` `DOMException` once the delay has passed. */
  readonly signal: AbortSignal;
  /** Stops the timer (the work ended first), so a long delay leaves nothing pending. */
  clear(): void;
}

/**
 * `AbortSignal.timeout()` for any delay: Node's overflows above {@link maxTimerDelayMs} and aborts
 * after 1 ms, so a `timeout: 1000h` would fail every operation at once.
 *
 * @remarks The reason is a `DOMException` named `TimeoutError`, as `AbortSignal.timeout()`'s; the
 * timer is unreferenced (it does not keep the process alive) and waited out with
 * {@link setLongTimeout}. Call `clear()` when the work ends first.
 * @example
 * ```ts
 * import { parseDuration, timeoutSignal } from '@weft/reconcile-core';
 * const deadline = timeoutSignal(parseDuration('1000h'));
 * try {
 *   await fetch('https://example.com/', { signal: deadline.signal });
 * } finally {
 *   deadline.clear();
 * }
 * ```
 */
export function timeoutSignal(delayMs: number): TimeoutSignal {
  const controller = new AbortController();
  const timer = setLongTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), delayMs).unref();
  return { signal: controller.signal, clear: () => timer.clear() };
}
