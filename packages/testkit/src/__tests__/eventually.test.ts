import { describe, expect, it } from 'vitest';
import { eventually, EventuallyTimeoutError } from '../index.js';

describe('eventually', () => {
  it('returns the first value that is not undefined, null or false', async () => {
    let calls = 0;
    const found = await eventually('the third call', () => (++calls === 3 ? { calls } : calls === 1 ? null : false), { intervalMs: 1 });
    expect(found).toEqual({ calls: 3 });
  });

  it('retries a probe that throws and quotes its last error when time runs out', async () => {
    const error = await eventually('an object', async () => {
      throw new Error('404 not found');
    }, { timeoutMs: 30, intervalMs: 5 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EventuallyTimeoutError);
    expect((error as Error).message).toBe('timed out after 30 ms waiting for an object (last probe error: 404 not found)');
  });

  it('stops with the signal', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped')), 10);
    await expect(eventually('never', () => false, { signal: controller.signal, intervalMs: 1000 })).rejects.toThrow('stopped');
  });
});
