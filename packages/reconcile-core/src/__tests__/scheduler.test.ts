import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retryRateLimiter, schedule, type ScheduleRequest } from '../pipeline/scheduler.js';

describe('schedule', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  function harness() {
    const input = new Subject<ScheduleRequest<string>>();
    const out: [string, number][] = [];
    let completed = false;
    const subscription = input.pipe(schedule({ keyOf: (key) => key })).subscribe({ next: (key) => out.push([key, Date.now() - 1_000_000]), complete: () => (completed = true) });
    return { input, out, subscription, completed: () => completed };
  }

  it('emits due requests at once and delayed ones at their time', () => {
    const { input, out } = harness();
    input.next({ request: 'a', runAt: Date.now() + 100 });
    input.next({ request: 'b', runAt: 0 });
    expect(out).toEqual([['b', 0]]);
    vi.advanceTimersByTime(100);
    expect(out).toEqual([['b', 0], ['a', 100]]);
  });

  it('keeps one pending entry per key and the earliest wins', () => {
    const { input, out } = harness();
    input.next({ request: 'a', runAt: Date.now() + 500 });
    input.next({ request: 'a', runAt: Date.now() + 200 });
    input.next({ request: 'a', runAt: Date.now() + 900 });
    vi.advanceTimersByTime(1000);
    expect(out).toEqual([['a', 200]]);
  });

  it('a request due now cancels a later pending entry of its key', () => {
    const { input, out } = harness();
    input.next({ request: 'a', runAt: Date.now() + 300 });
    input.next({ request: 'a', runAt: Date.now() });
    vi.advanceTimersByTime(1000);
    expect(out).toEqual([['a', 0]]);
  });

  it('waits out a delay past setTimeout\'s limit (1000 h) instead of firing after 1 ms', async () => {
    const { input, out } = harness();
    const thousandHours = 1000 * 3_600_000;
    input.next({ request: 'a', runAt: Date.now() + thousandHours });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(out).toEqual([]);
    await vi.advanceTimersByTimeAsync(thousandHours - 1_001);
    expect(out).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(out).toEqual([['a', thousandHours]]);
  });

  it('completes after the source completes and pending entries ran; unsubscribing clears timers', () => {
    const first = harness();
    first.input.next({ request: 'a', runAt: Date.now() + 50 });
    first.input.complete();
    expect(first.completed()).toBe(false);
    vi.advanceTimersByTime(50);
    expect(first.completed()).toBe(true);
    const second = harness();
    second.input.next({ request: 'b', runAt: Date.now() + 50 });
    second.subscription.unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('retryRateLimiter', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('backs off per key from 5 ms up to ~16 min, and forgets on success', () => {
    const limiter = retryRateLimiter({ burst: 1_000_000 });
    const delays = Array.from({ length: 30 }, () => limiter.when('a'));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(limiter.when('b')).toBe(5);
    expect(limiter.failures('a')).toBe(30);
    limiter.forget('a');
    expect(limiter.when('a')).toBe(5);
  });

  it('a global token bucket spaces retries out once the burst is spent', () => {
    const limiter = retryRateLimiter({ qps: 10, burst: 2 });
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(5);
    expect(limiter.when('c')).toBe(100);
    expect(limiter.when('d')).toBe(200);
    vi.advanceTimersByTime(1000);
    expect(limiter.when('e')).toBe(5);
  });
});
