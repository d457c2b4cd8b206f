import { defer, Observable } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoff, exponentialBackoff } from '../pipeline/backoff.js';

describe('exponentialBackoff', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('doubles from 0.8 s up to 30 s by default', () => {
    const policy = exponentialBackoff({ jitter: 0 });
    const delays = Array.from({ length: 8 }, () => policy.next());
    expect(delays).toEqual([800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
  });

  it('jitters each delay within ±jitter and never above the maximum', () => {
    const low = exponentialBackoff({ random: () => 0 });
    const high = exponentialBackoff({ random: () => 0.999999, maxMs: 1000 });
    expect(low.next()).toBe(400);
    expect(high.next()).toBe(1000);
    const random = exponentialBackoff();
    for (let i = 0; i < 50; i++) {
      const policy = exponentialBackoff();
      const delay = policy.next();
      expect(delay).toBeGreaterThanOrEqual(400);
      expect(delay).toBeLessThanOrEqual(1200);
    }
    expect(random.next()).toBeGreaterThan(0);
  });

  it('the operator waits out a delay past setTimeout\'s limit before resubscribing', async () => {
    let subscriptions = 0;
    const failing = defer(() => {
      subscriptions += 1;
      return new Observable<never>((subscriber) => subscriber.error(new Error('down')));
    });
    const hours = 1000 * 3_600_000;
    const subscription = failing.pipe(backoff({ policy: { next: () => hours, reset: () => undefined } })).subscribe();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(subscriptions).toBe(1);
    await vi.advanceTimersByTimeAsync(hours - 60_000);
    expect(subscriptions).toBe(2);
    subscription.unsubscribe();
  });

  it('resets after a healthy period without failures', () => {
    const policy = exponentialBackoff({ jitter: 0, resetAfterMs: 60_000 });
    policy.next();
    policy.next();
    vi.advanceTimersByTime(59_999);
    expect(policy.next()).toBe(3200);
    vi.advanceTimersByTime(60_000);
    expect(policy.next()).toBe(800);
  });
});

describe('backoff operator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resubscribes after growing delays and never lets the error through', async () => {
    let subscriptions = 0;
    const source = defer(
      () =>
        new Observable<number>((subscriber) => {
          subscriptions += 1;
          subscriber.next(subscriptions);
          if (subscriptions < 3) subscriber.error(new Error(`failure ${subscriptions}`));
        }),
    );
    const seen: number[] = [];
    const errors: [string, number][] = [];
    let failed = false;
    source.pipe(backoff({ jitter: 0, initialMs: 100, onError: (error, delay) => errors.push([(error as Error).message, delay]) })).subscribe({ next: (value) => seen.push(value), error: () => (failed = true) });
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(99);
    expect(seen).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(200);
    expect(seen).toEqual([1, 2, 3]);
    expect(errors).toEqual([['failure 1', 100], ['failure 2', 200]]);
    expect(failed).toBe(false);
  });
});
