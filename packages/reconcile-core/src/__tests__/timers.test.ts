import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { maxTimerDelayMs, setLongTimeout, sleep, timeoutSignal } from '../timers.js';

const hour = 3_600_000;

describe('setLongTimeout', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires at the limit and past it exactly on time, never after 1 ms (a plain setTimeout of 2^31 ms does)', async () => {
    // The fake timers overflow as Node does: this is the bug being guarded against.
    let plain = 0;
    setTimeout(() => (plain += 1), maxTimerDelayMs + 1);
    await vi.advanceTimersByTimeAsync(1);
    expect(plain).toBe(1);

    for (const delay of [maxTimerDelayMs, maxTimerDelayMs + 1, 1000 * hour, 3 * maxTimerDelayMs + 7]) {
      let fired = 0;
      setLongTimeout(() => (fired += 1), delay);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(fired, `${delay} ms, 1 ms early`).toBe(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(fired, `${delay} ms`).toBe(1);
      await vi.advanceTimersByTimeAsync(10 * maxTimerDelayMs);
      expect(fired, `${delay} ms, fired once`).toBe(1);
    }
  });

  it('clear() cancels at any step; refresh() restarts the full delay; Infinity never fires; negative fires at once', async () => {
    let fired = 0;
    const long = setLongTimeout(() => (fired += 1), 1000 * hour);
    await vi.advanceTimersByTimeAsync(maxTimerDelayMs + 5);
    long.clear();
    await vi.advanceTimersByTimeAsync(1000 * hour);
    expect(fired).toBe(0);

    const watchdog = setLongTimeout(() => (fired += 1), 1000 * hour);
    await vi.advanceTimersByTimeAsync(900 * hour);
    watchdog.refresh();
    await vi.advanceTimersByTimeAsync(999 * hour);
    expect(fired).toBe(0);
    await vi.advanceTimersByTimeAsync(hour);
    expect(fired).toBe(1);

    const short = setLongTimeout(() => (fired += 1), 100);
    await vi.advanceTimersByTimeAsync(90);
    short.refresh();
    await vi.advanceTimersByTimeAsync(90);
    expect(fired).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(fired).toBe(2);

    setLongTimeout(() => (fired += 100), Infinity);
    setLongTimeout(() => (fired += 10), -5);
    await vi.advanceTimersByTimeAsync(5 * maxTimerDelayMs);
    expect(fired).toBe(12);
    vi.clearAllTimers();
  });
});

describe('sleep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves true after the delay, even past the setTimeout limit', async () => {
    let result: boolean | undefined;
    void sleep(1000 * hour).then((value) => (result = value));
    await vi.advanceTimersByTimeAsync(999 * hour);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(hour);
    expect(result).toBe(true);
  });

  it('resolves false as soon as the signal aborts (or at once if it had), leaving no timer behind', async () => {
    const abort = new AbortController();
    let result: boolean | undefined;
    void sleep(1000 * hour, abort.signal).then((value) => (result = value));
    await vi.advanceTimersByTimeAsync(10);
    abort.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(await sleep(5, abort.signal)).toBe(false);
  });
});

describe('timeoutSignal', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('aborts with a TimeoutError at the limit and past it exactly on time, never after 1 ms (AbortSignal.timeout of 2^31 ms does)', async () => {
    for (const delay of [maxTimerDelayMs, maxTimerDelayMs + 1, 1000 * hour]) {
      const { signal } = timeoutSignal(delay);
      await vi.advanceTimersByTimeAsync(delay - 1);
      expect(signal.aborted, `${delay} ms, 1 ms early`).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(signal.aborted, `${delay} ms`).toBe(true);
      expect((signal.reason as Error).name).toBe('TimeoutError');
    }
  });

  it('clear() stops it: the signal never aborts', async () => {
    const deadline = timeoutSignal(1000 * hour);
    await vi.advanceTimersByTimeAsync(maxTimerDelayMs + 5);
    deadline.clear();
    await vi.advanceTimersByTimeAsync(2000 * hour);
    expect(deadline.signal.aborted).toBe(false);
  });
});
