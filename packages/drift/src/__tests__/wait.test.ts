import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, maxTimerDelayMs, type KubeClient, type KubeObject } from '@weft/reconcile-core';
import { wait } from '../wait.js';

/** A Deployment no controller has observed: `wait` keeps polling it. */
const web: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', generation: 1 } };

/** Only `get`, counted: what `wait` asks of the client (timers are fake, so no server). */
function countingClient() {
  const get = vi.fn(async () => structuredClone(web));
  return { client: { get } as unknown as KubeClient, get };
}

describe('wait, on fake timers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  // setTimeout turns a delay past 2^31−1 ms into 1 ms: a long interval must not become a busy poll.
  it.each([maxTimerDelayMs, maxTimerDelayMs + 1, 2 ** 32])('waits the whole interval of %d ms between two polls', async (interval) => {
    const { client, get } = countingClient();
    const controller = new AbortController();
    const waiting = wait(client, [web], { timeout: 2 ** 40, interval, signal: controller.signal });
    const outcome = waiting.catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(get).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(get).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(interval - 1_001);
    expect(get).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(get).toHaveBeenCalledTimes(2);
    controller.abort();
    expect(await outcome).toBeInstanceOf(CancelledError);
  });

  it('tells a timeout (a result) from a cancellation (reconcile-core\'s CancelledError)', async () => {
    const { client } = countingClient();
    const timedOut = wait(client, [web], { timeout: 1_000, interval: 300 });
    await vi.advanceTimersByTimeAsync(1_500);
    expect(await timedOut).toMatchObject({ healthy: false, timedOut: true, progressing: [{ subject: 'Deployment/shop/web', status: 'progressing' }] });

    const controller = new AbortController();
    const cancelled = wait(client, [web], { timeout: 10_000, signal: controller.signal }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    const error = await cancelled;
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).message).toBe('1 object wait failed: cancelled');
  });
});
